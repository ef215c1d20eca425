using System.Globalization;
using System.Text;
using System.Text.Json;
using AppHost.Emulators.TestTool;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace AppHost.Hosting;

/// <summary>What the dashboard's commands on functions do: each one thing, with a readable result.</summary>
internal static class FunctionCommands
{
    private const string SampleArgument = "sample";
    private const string PayloadArgument = "payload";
    private const string SamplePrefix = "sample:";
    private const string SavedPrefix = "saved:";

    /// <summary>What an Invoke dialog's event box was last filled with, per function.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> Filled = new();

    /// <summary>A choice among the function's samples and saved requests, loaded when the dialog opens.</summary>
    public static InteractionInput SampleInput(LambdaFunctionResource function, LambdaEmulatorResource emulator) => new()
    {
        Name = SampleArgument,
        Label = "Sample or saved request",
        InputType = InputType.Choice,
        Required = false,
        Description = "The app's own events for this function (its API routes, stream batches, schedules), plain JSON, and the requests saved in the test tool.",
        DynamicLoading = new InputLoadOptions
        {
            AlwaysLoadOnStart = true,
            LoadCallback = context =>
            {
                var options = Choices(function, emulator);
                context.Input.Options = options;
                context.Input.Value ??= options.FirstOrDefault().Key;
                return Task.CompletedTask;
            },
        },
    };

    /// <summary>The event to send, filled from the chosen sample and editable.</summary>
    public static InteractionInput PayloadInput(LambdaFunctionResource function, LambdaEmulatorResource emulator) => new()
    {
        Name = PayloadArgument,
        Label = "Event (JSON)",
        InputType = InputType.Text,
        Required = false,
        MaxLength = 256 * 1024,
        Placeholder = "{}",
        Description = "The event the function receives, filled from the choice; an edited event is kept (clear it to take the chosen sample).",
        DynamicLoading = new InputLoadOptions
        {
            AlwaysLoadOnStart = true,
            DependsOnInputs = [SampleArgument],
            LoadCallback = async context =>
            {
                // An event someone wrote (or passed to the command) is kept; an empty box, or one
                // holding what the last choice filled in, follows the choice.
                var current = context.Input.Value;
                if (!string.IsNullOrWhiteSpace(current) && !(Filled.TryGetValue(function.Name, out var filled) && filled == current))
                {
                    return;
                }
                var chosen = context.AllInputs[SampleArgument].Value ?? Choices(function, emulator).FirstOrDefault().Key;
                if (await ChosenEventAsync(function, emulator, chosen, context.CancellationToken) is { } json)
                {
                    context.Input.Value = json;
                    Filled[function.Name] = json;
                }
            },
        },
    };

    /// <summary>Refuses an event that is not JSON, naming where it breaks.</summary>
    public static Task ValidatePayloadAsync(InputsDialogValidationContext context)
    {
        var payload = context.Inputs[PayloadArgument];
        if (payload.Value is { Length: > 0 } json && LambdaTestTool.JsonError(Encoding.UTF8.GetBytes(json)) is { } error)
        {
            context.AddValidationError(payload, $"Not valid JSON at {error}");
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Invokes the function (RequestResponse) through the test tool with the payload, or the chosen
    /// sample when the payload is empty, and shows what the test-tool page shows.
    /// </summary>
    public static async Task<ExecuteCommandResult> InvokeAsync(LambdaFunctionResource resource, LambdaEmulatorResource emulator, ExecuteCommandContext context)
    {
        if (emulator.TestTool is not { } testTool)
        {
            return CommandResults.Failure($"{emulator.Name} is not running.");
        }
        var payload = CommandArguments.Value(context, PayloadArgument);
        if (string.IsNullOrWhiteSpace(payload))
        {
            var chosen = CommandArguments.Value(context, SampleArgument);
            payload = await ChosenEventAsync(resource, emulator, chosen, context.CancellationToken);
            if (payload is null)
            {
                return CommandResults.Failure(chosen is { Length: > 0 } ? $"{resource.Name} has no sample or saved request '{chosen}'." : "Choose a sample or give an event.");
            }
        }
        var bytes = Encoding.UTF8.GetBytes(payload);
        if (LambdaTestTool.JsonError(bytes) is { } error)
        {
            return CommandResults.Failure($"Not valid JSON at {error}");
        }
        var view = await testTool.InvokeAsync(await resource.Function, bytes, context.CancellationToken);
        var status = view["status"]!.GetValue<string>();
        var summary = new StringBuilder($"{resource.Name}: {status}");
        if (view["response"]?["statusCode"] is { } statusCode)
        {
            summary.Append(CultureInfo.InvariantCulture, $", statusCode {statusCode}");
        }
        if (view["coldStart"]?.GetValue<bool>() == true)
        {
            summary.Append(", cold start");
        }
        summary.Append(CultureInfo.InvariantCulture, $", {view["durationMs"]} ms");
        var shown = view.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        return status == "Succeeded"
            ? CommandResults.Success(summary.ToString(), shown, CommandResultFormat.Json, displayImmediately: true)
            : CommandResults.Failure(summary.ToString(), shown, CommandResultFormat.Json);
    }

    /// <summary>The function's samples, then its saved requests, as choices (<c>sample:{id}</c>, <c>saved:{name}</c>).</summary>
    private static List<KeyValuePair<string, string>> Choices(LambdaFunctionResource function, LambdaEmulatorResource emulator) =>
        emulator.TestTool is { } testTool
            ? [.. testTool.SamplesOf(function.Name).Select(sample => KeyValuePair.Create(SamplePrefix + sample.Id, sample.Title)),
               .. testTool.Saved.List(function.Name).Select(saved => KeyValuePair.Create(SavedPrefix + saved.Name, $"Saved: {saved.Name}"))]
            : [];

    /// <summary>The JSON of a choice (<c>sample:{id}</c> or <c>saved:{name}</c>), indented; null when there is none.</summary>
    private static async Task<string?> ChosenEventAsync(LambdaFunctionResource function, LambdaEmulatorResource emulator, string? chosen, CancellationToken cancellationToken)
    {
        if (emulator.TestTool is not { } testTool || string.IsNullOrEmpty(chosen))
        {
            return null;
        }
        if (chosen.StartsWith(SamplePrefix, StringComparison.Ordinal))
        {
            var id = chosen[SamplePrefix.Length..];
            return testTool.SamplesOf(function.Name).FirstOrDefault(sample => sample.Id == id)?.Event.ToJsonString();
        }
        if (chosen.StartsWith(SavedPrefix, StringComparison.Ordinal) && SavedRequestStore.IsValidName(chosen[SavedPrefix.Length..]))
        {
            return (await testTool.Saved.GetAsync(function.Name, chosen[SavedPrefix.Length..], cancellationToken))?.Event;
        }
        return null;
    }
}
