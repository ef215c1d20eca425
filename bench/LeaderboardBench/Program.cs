using LeaderboardBench;

// leaderboard-bench <seed|ceiling|report> [--key=value ...]; see bench/README.md.
if (args.Length == 0 || args[0] is not ("seed" or "ceiling" or "from-hey" or "report"))
{
    await Console.Error.WriteLineAsync("""
        usage: LeaderboardBench seed    --api=URL --dynamodb=URL [--token=JWT] [--table=leaderboard] [--board=hot] [--players=2000] [--matches=600] [--players-file=PATH]
               LeaderboardBench ceiling --dynamodb=URL --ops=top10,match --out-dir=DIR [--players-file=PATH] [--board=hot] [--connections=16] [--warmup=5] [--duration=10]
                                        [--quiesce=SECONDS --dynamodb-pid=PID] [--apphost-pid=PID]
               LeaderboardBench from-hey --csv=PATH --out=PATH [--expected-status=200] [--cpu-seconds=N]
               LeaderboardBench report  --results=DIR [--readme=bench/README.md] [--run=TEXT]
        """);
    return 64;
}

var settings = BenchSettings.Parse(args[1..]);
return args[0] switch
{
    "seed" => await Seeder.RunAsync(settings),
    "ceiling" => await Ceiling.RunAsync(settings),
    "from-hey" => await HeyCsv.RunAsync(settings),
    _ => await Report.RunAsync(settings),
};
