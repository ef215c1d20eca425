using PlatformBench;

// PlatformBench <coldstart|seed|stream-lag|intake|intake-send|intake-verify|sqs-serve|sqs-throughput|live-push|apphost|extensions|report> [--key=value ...]; see bench/README.md.
string[] commands = ["coldstart", "seed", "stream-lag", "intake", "intake-send", "intake-verify", "sqs-serve", "sqs-throughput", "live-push", "apphost", "extensions", "report"];
if (args.Length == 0 || !commands.Contains(args[0]))
{
    await Console.Error.WriteLineAsync("""
        usage: PlatformBench coldstart  --variants=A,B --command-A=FILE [--args-A=X,Y] [--env-A=K=V,...] --event=FILE --out-dir=DIR [--runs=10] [--warmup=1]
               PlatformBench seed       --gateway=URL --dynamodb=URL [--board=bench] [--players=200] [--matches=100] [--per-match=4]
               PlatformBench stream-lag --gateway=URL --dynamodb=URL --out=FILE [--rate=200] [--duration=10] [--warmup=2] [--players=200] [--per-match=4] [--board=stream]
               PlatformBench intake     --gateway=URL --dynamodb=URL --queue-url=URL --out=FILE [--rate=500] [--duration=30] [--players=100] [--board=intake]
               PlatformBench intake-send   --gateway=URL --queue-url=URL --out-dir=DIR [--rate=100] [--duration=30] [--players=40] [--board=kill]
               PlatformBench intake-verify --gateway=URL --dynamodb=URL --out-dir=DIR [--board=kill] [--patience=180]
               PlatformBench sqs-serve  [--port=9324] [--data-dir=DIR [--flush-to-disk]]
               PlatformBench sqs-throughput --endpoint=URL --out=FILE [--producers=4] [--consumers=4] [--duration=20] [--warmup=3]
               PlatformBench live-push  --gateway=URL --websocket=URL --dynamodb=URL --out=FILE [--subscribers=10] [--matches=40] [--interval-ms=500] [--board=NAME]
               PlatformBench apphost    --label=NAME --command=FILE --args=A,B --workdir=DIR --gateway=URL --out=FILE [--runs=5] [--log-dir=DIR]
               PlatformBench extensions --function=DLL --out=FILE [--runs=10] [--reads=2000]
               PlatformBench report     --results=DIR --readme=FILE --run=TEXT
        """);
    return 64;
}

var options = Options.Parse(args[1..]);
return args[0] switch
{
    "coldstart" => await ColdStart.RunAsync(options),
    "seed" => await Seeder.RunAsync(options),
    "stream-lag" => await StreamLag.RunAsync(options),
    "intake" => await Intake.RunAsync(options),
    "intake-send" => await IntakeKill.SendAsync(options),
    "intake-verify" => await IntakeKill.VerifyAsync(options),
    "sqs-serve" => await SqsThroughput.ServeAsync(options),
    "sqs-throughput" => await SqsThroughput.RunAsync(options),
    "live-push" => await LivePush.RunAsync(options),
    "apphost" => await AppHostCycle.RunAsync(options),
    "extensions" => await ExtensionCost.RunAsync(options),
    _ => await Report.RunAsync(options),
};
