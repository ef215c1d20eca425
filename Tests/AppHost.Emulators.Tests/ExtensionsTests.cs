using System.Text;
using System.Text.Json.Nodes;
using AppHost.Emulators.Lambda;
using AppHost.Emulators.Processes;
using AppHost.Emulators.Secrets;

namespace AppHost.Emulators.Tests;

/// <summary>
/// The Extensions API and the extensions' lifecycle, with a real external extension: a Node script in a
/// layer's <c>extensions/</c> folder that writes every step it takes to a journal file.
/// </summary>
public sealed class ExtensionsTests : IDisposable
{
    // Registers (checking two refusals first), journals each event, holds INVOKE for PROBE_HOLD_MS,
    // and tries to register again after init; PROBE_FAIL picks how it fails its init (or its first invocation).
    private const string Probe = """
        #!/usr/bin/env node
        const fs = require('fs');
        const api = 'http://' + process.env.AWS_LAMBDA_RUNTIME_API + '/2020-01-01/extension';
        const note = line => fs.appendFileSync(process.env.PROBE_JOURNAL, line + '\n');
        const register = (name, events) => fetch(api + '/register', { method: 'POST', headers: { 'Lambda-Extension-Name': name }, body: JSON.stringify({ events }) });
        (async () => {
          note('opt ' + process.env.LAMBDA_OPT + ' cwd ' + process.cwd());
          if (process.env.PROBE_FAIL === 'exit') process.exit(3);
          const bogus = await register('probe', ['BOGUS']);
          note('bogus-event ' + bogus.status + ' ' + (await bogus.json()).errorType);
          const registered = await register('probe', ['INVOKE', 'SHUTDOWN']);
          const id = registered.headers.get('lambda-extension-identifier');
          note('registered ' + registered.status + ' ' + (await registered.json()).functionName);
          const unknown = await fetch(api + '/event/next', { headers: { 'Lambda-Extension-Identifier': 'not-mine' } });
          note('unknown-id ' + unknown.status + ' ' + (await unknown.json()).errorType);
          if (process.env.PROBE_FAIL === 'init-error') {
            await fetch(api + '/init/error', { method: 'POST', headers: { 'Lambda-Extension-Identifier': id, 'Lambda-Extension-Function-Error-Type': 'Extension.ConfigInvalid' }, body: JSON.stringify({ errorMessage: 'probe is misconfigured', errorType: 'Extension.ConfigInvalid' }) });
            return;
          }
          for (;;) {
            const next = await fetch(api + '/event/next', { headers: { 'Lambda-Extension-Identifier': id } });
            const event = await next.json();
            if (event.eventType === 'SHUTDOWN') {
              note('shutdown ' + event.shutdownReason + ' ' + (event.deadlineMs > Date.now()));
              process.exit(0);
            }
            note('invoke ' + event.requestId + ' ' + event.invokedFunctionArn);
            if (process.env.PROBE_FAIL === 'exit-on-invoke') process.exit(4);
            const late = await register('late', ['INVOKE']);
            note('late ' + late.status + ' ' + (await late.json()).errorType);
            await new Promise(done => setTimeout(done, Number(process.env.PROBE_HOLD_MS || 0)));
            note('done ' + event.requestId);
          }
        })();
        """;

    private readonly string _layer = Directory.CreateTempSubdirectory("probe-layer").FullName;
    private readonly string _journal = Path.Combine(Path.GetTempPath(), $"probe-{Guid.NewGuid():N}.log");

    public ExtensionsTests()
    {
        var extensions = Directory.CreateDirectory(Path.Combine(_layer, "extensions")).FullName;
        var probe = Path.Combine(extensions, "probe");
        File.WriteAllText(probe, Probe.Replace("\r\n", "\n", StringComparison.Ordinal));
        File.SetUnixFileMode(probe, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(Path.Combine(_layer, "settings.json"), "{}");
    }

    public void Dispose()
    {
        Directory.Delete(_layer, recursive: true);
        File.Delete(_journal);
    }

    private LambdaFunctionSettings Settings(Dictionary<string, string>? probe = null, TimeSpan? timeout = null) =>
        TestFunctions.Settings(timeout: timeout, environment: new Dictionary<string, string>(probe ?? []) { ["PROBE_JOURNAL"] = _journal }) with
        {
            LayerDirectories = [_layer],
        };

    private List<string> Journal() => File.Exists(_journal) ? [.. File.ReadAllLines(_journal)] : [];

    private static LambdaInvocationRequest Payload(string json) => new(Encoding.UTF8.GetBytes(json));

    [Fact]
    public async Task AnExternalExtensionRegistersTakesEachInvokeAndGetsShutdownWhenTheEnvironmentEnds()
    {
        var console = new List<string>();
        var function = new LambdaFunction(Settings(), line => { lock (console) { console.Add(line); } });
        InvocationResult first, second;
        try
        {
            first = await function.InvokeAsync(Payload("""{"action":"opt"}"""));
            second = await function.InvokeAsync(Payload("""{"action":"context"}"""));
        }
        finally
        {
            await function.DisposeAsync();
        }

        var journal = Journal();
        // Its /opt is a copy of the layer, per environment, where it runs.
        var opt = JsonNode.Parse(first.Payload)!;
        Assert.Equal(["extensions/probe", "settings.json"], opt["files"]!.AsArray().Select(file => file!.GetValue<string>()));
        Assert.Equal($"opt {opt["opt"]} cwd {opt["opt"]}", journal[0]);
        Assert.False(Directory.Exists(opt["opt"]!.GetValue<string>()), "the environment's /opt is removed with it");
        Assert.Equal("bogus-event 400 Extension.InvalidEventType", journal[1]);
        Assert.Equal("registered 200 test-function", journal[2]);
        Assert.Equal("unknown-id 403 Extension.UnknownExtensionIdentifier", journal[3]);
        Assert.Equal($"invoke {first.RequestId} arn:aws:lambda:us-east-1:000000000000:function:test-function", journal[4]);
        Assert.Equal("late 403 Extension.RegistrationClosed", journal[5]);
        Assert.Equal($"done {first.RequestId}", journal[6]);
        Assert.Equal($"invoke {second.RequestId} arn:aws:lambda:us-east-1:000000000000:function:test-function", journal[7]);
        Assert.Equal("shutdown spindown true", journal[^1]);
        Assert.Contains("EXTENSION\tName: probe\tState: Registered\tEvents: [INVOKE,SHUTDOWN]", console);
    }

    [Fact]
    public async Task AnInvocationEndsOnlyWhenEveryExtensionIsDoneWithIt()
    {
        await using var function = new LambdaFunction(Settings(new() { ["PROBE_HOLD_MS"] = "700" }));

        var result = await function.InvokeAsync(Payload("""{"action":"context"}"""));

        // The extension journals "done" before it asks for its next event; the invocation waited for that.
        Assert.Equal(InvocationStatus.Succeeded, result.Status);
        Assert.Contains($"done {result.RequestId}", Journal());
    }

    [Fact]
    public async Task ATimedOutInvocationShutsTheExtensionsDownWithReasonTimeout()
    {
        var function = new LambdaFunction(Settings(timeout: TimeSpan.FromSeconds(1)));
        try
        {
            var result = await function.InvokeAsync(Payload("""{"action":"sleep","ms":3000}"""));
            Assert.Equal(InvocationStatus.FunctionError, result.Status);
            // The dead environment was shut down before the invocation returned.
            Assert.Contains("shutdown timeout true", Journal());
        }
        finally
        {
            await function.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("exit", "Extension.Crash", "Extension probe exited with status 3.")]
    [InlineData("init-error", "Extension.ConfigInvalid", "Extension probe reported an init error: probe is misconfigured")]
    public async Task AnExtensionThatFailsItsInitFailsTheEnvironmentsInit(string failure, string errorType, string message)
    {
        await using var function = new LambdaFunction(Settings(new() { ["PROBE_FAIL"] = failure }));

        var result = await function.InvokeAsync(Payload("""{"action":"context"}"""));

        Assert.Equal(InvocationStatus.FunctionError, result.Status);
        var error = JsonNode.Parse(result.Payload)!;
        Assert.Equal(errorType, error["errorType"]!.GetValue<string>());
        Assert.Contains(message, error["errorMessage"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnExtensionThatCrashesWhileTheInvocationWaitsForItFailsTheInvocationWithTheCrashNotATimeout()
    {
        await using var function = new LambdaFunction(Settings(new() { ["PROBE_FAIL"] = "exit-on-invoke" }));

        var result = await function.InvokeAsync(Payload("""{"action":"context"}"""));

        Assert.Equal(InvocationStatus.FunctionError, result.Status);
        var error = JsonNode.Parse(result.Payload)!;
        Assert.Equal("Extension.Crash", error["errorType"]!.GetValue<string>());
        Assert.Contains("Extension probe exited with status 4.", error["errorMessage"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnEnvironmentLaunchedElsewhereRunsItsExtensionsWithTheFunctionsDeclaredVariables()
    {
        // The function's variables are its declared ones here: PROBE_JOURNAL among them.
        var settings = Settings() with { DeclaredEnvironment = Settings().Command!.Environment! };
        await using var function = new LambdaFunction(settings);
        function.AttachExternalEnvironment(async (launch, cancellationToken) =>
        {
            // As the orchestrator launches it: the function's variables, Lambda's, and the extensions'.
            var attached = await function.ExternalVariables;
            var variables = settings.LambdaVariables(LambdaFunctionSettings.NewLogStreamName(), attached.RuntimeApi, settings.Command!.Environment);
            foreach (var (name, value) in attached.Extensions)
            {
                variables[name] = value;
            }
            return ChildProcess.Start(settings.Command with { Environment = variables });
        });
        await function.ExternalEnvironmentReady;

        var result = await function.InvokeAsync(Payload("""{"action":"context"}"""));

        Assert.Equal(InvocationStatus.Succeeded, result.Status);
        // The probe journals to the file PROBE_JOURNAL names: without the function's variables it could not.
        Assert.Contains(Journal(), line => line.StartsWith($"invoke {result.RequestId} ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnInternalExtensionTakesEachInvokeButMayNotRegisterForShutdown()
    {
        var console = new List<string>();
        await using var function = new LambdaFunction(
            TestFunctions.Settings(environment: new Dictionary<string, string> { ["TEST_FUNCTION_INTERNAL_EXTENSION"] = "1" }),
            line => { lock (console) { console.Add(line); } });

        var first = await function.InvokeAsync(Payload("""{"action":"context"}"""));
        var second = await function.InvokeAsync(Payload("""{"action":"internal-extension"}"""));

        Assert.Contains("internal extension: SHUTDOWN 400, INVOKE 200", console);
        Assert.Contains("EXTENSION\tName: internal-probe\tState: Registered\tEvents: [INVOKE]", console);
        // The INVOKE of the invocation now running reaches the extension as the runtime gets it, so only the earlier one is certain.
        Assert.Contains(first.RequestId, JsonNode.Parse(second.Payload)!["seen"]!.AsArray().Select(id => id!.GetValue<string>()));
    }

    [Fact]
    public async Task TheSecretsStandInServesItsEnvironmentWithItsOwnTokenAndStopsOnShutdown()
    {
        var store = new SecretStore();
        store.Set("api-key", "s3cr3t");
        var function = new LambdaFunction(TestFunctions.Settings() with { StandIns = [new ParametersSecretsExtension(store)] });
        JsonNode read, wrongToken, unknown;
        try
        {
            read = JsonNode.Parse((await function.InvokeAsync(Payload("""{"action":"secret","secretId":"api-key"}"""))).Payload)!;
            wrongToken = JsonNode.Parse((await function.InvokeAsync(Payload("""{"action":"secret","secretId":"api-key","token":"guess"}"""))).Payload)!;
            unknown = JsonNode.Parse((await function.InvokeAsync(Payload("""{"action":"secret","secretId":"nope"}"""))).Payload)!;
        }
        finally
        {
            await function.DisposeAsync();
        }

        Assert.Equal(200, read["status"]!.GetValue<int>());
        var secret = JsonNode.Parse(read["body"]!.GetValue<string>())!;
        Assert.Equal("s3cr3t", secret["SecretString"]!.GetValue<string>());
        Assert.Equal("api-key", secret["Name"]!.GetValue<string>());
        Assert.Equal(["AWSCURRENT"], secret["VersionStages"]!.AsArray().Select(stage => stage!.GetValue<string>()));
        Assert.Equal(401, wrongToken["status"]!.GetValue<int>());
        Assert.Equal(400, unknown["status"]!.GetValue<int>());
        Assert.Equal("ResourceNotFoundException", JsonNode.Parse(unknown["body"]!.GetValue<string>())!["__type"]!.GetValue<string>());
    }
}
