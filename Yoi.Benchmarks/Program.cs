using System.Globalization;
using Yoi.Benchmarks;

// dotnet run --project Yoi.Benchmarks -c Release -- [--quick|--full|--smoke] [--json artifacts/bench.json] [--only P1,P2,P3,P4,P5,P6,P7]
//   Seven scenarios run against a private redis-server and the real Runtime and Backend services; --only takes their
//   keys: P1 append throughput, P2 live latency of one stream, P3 fan-out to 1,000 clients, P4 Redis connections,
//   P5 backlog replay, P6 memory per idle WebSocket, P7 two Backends (goals and figures: docs/benchmarks.md).
//   --smoke: a tiny run of each scenario for CI; exit != 0 only when a scenario fails or loses/duplicates events.
// dotnet run --project Yoi.Benchmarks -c Release -- xadd [--seconds N] [--redis host:port] [-n count] [--clients C]
// dotnet Yoi.Benchmarks.dll floor-server: the bare-Kestrel floor for idle WebSocket memory (docs/benchmarks.md), started by that scenario as a child process (ASPNETCORE_URLS).
if (args.Length > 0 && args[0] == "floor-server") return await FloorServer.RunAsync(args[1..]);
if (args.Length > 0 && args[0] == "xadd")
{
    var options = BenchmarkOptions.Parse(args);
    if (options is null)
    {
        Console.Error.WriteLine("usage: Yoi.Benchmarks xadd [--seconds N] [--redis host:port] [-n count] [--clients C]");
        return 2;
    }
    try
    {
        return await XaddBenchmark.RunAsync(options);
    }
    catch (Exception ex)
    {
        Console.Error.WriteLine($"benchmark failed: {ex}");
        return 1;
    }
}

var mode = BenchMode.Quick;
string? jsonPath = null;
HashSet<string>? only = null;
int? clients = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--quick": mode = BenchMode.Quick; break;
        case "--full": mode = BenchMode.Full; break;
        case "--smoke": mode = BenchMode.Smoke; break;
        case "--clients" when i + 1 < args.Length: clients = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--json" when i + 1 < args.Length: jsonPath = args[++i]; break;
        case "--only" when i + 1 < args.Length: only = args[++i].ToUpperInvariant().Split(',').ToHashSet(); break;
        default:
            Console.Error.WriteLine("usage: Yoi.Benchmarks [--quick|--full|--smoke] [--json path] [--only P1,P2,P3,P4,P5,P6] [--clients N] | xadd ...");
            return 2;
    }
}

var total = System.Diagnostics.Stopwatch.StartNew();
Console.WriteLine($"Yoi benchmarks, {mode.ToString().ToLowerInvariant()} mode, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");
var (soft, _) = FileLimits.Read();
if (soft is { } limit && limit < 4096) Console.WriteLine($"warning: ulimit -n is {limit}; 1,000 clients need ~2,100 descriptors in this process (raise it with ulimit -n 8192)");

Scenarios scenarios;
var failed = false;
await using (var rig = await BenchRig.StartAsync())
{
    Console.WriteLine($"redis-server 127.0.0.1:{rig.RedisPort}, runtime {rig.Runtime.Url} (pid {rig.Runtime.Pid}), backend {rig.Backend.Url} (pid {rig.Backend.Pid})");
    scenarios = new Scenarios(mode, rig, clients);
    var steps = new (string Id, Func<Task> Run)[]
    {
        ("P1", scenarios.P1AppendThroughputAsync),
        ("P2", scenarios.P2LatencyAsync),
        ("P3", scenarios.FanoutAsync),
        ("P4", scenarios.P4WorkersAsync),
        ("P5", scenarios.P5ReplayAsync),
        ("P6", scenarios.P6MemoryAsync),
        ("P7", scenarios.P7TwoBackendsAsync),
    };
    foreach (var (id, run) in steps)
    {
        if (only is not null && !only.Contains(id) && !(id == "P3" && only.Contains("P4"))) continue;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            await run();
        }
        catch (Exception ex)
        {
            scenarios.Errors.Add($"{id} failed: {ex.GetType().Name}: {ex.Message}");
            Console.Error.WriteLine($"{id} failed: {ex}");
            if (rig.Backend.HasExited) Console.Error.WriteLine("backend output:\n" + rig.Backend.LastLines());
        }
        Console.WriteLine($"  ({id} took {watch.Elapsed.TotalSeconds:0.0} s)");
    }
}

Console.WriteLine();
Console.WriteLine($"Results ({mode.ToString().ToLowerInvariant()}, {total.Elapsed.TotalSeconds:0} s, load average at start {scenarios.LoadAtStart}, at end {Scenarios.ReadLoad()}):");
Console.WriteLine(scenarios.MarkdownTable());
foreach (var error in scenarios.Errors)
{
    Console.WriteLine("ERROR: " + error);
    failed = true;
}
var path = jsonPath ?? Path.Combine(XaddBenchmark.FindRepositoryRoot(), "artifacts", mode == BenchMode.Smoke ? "bench-smoke.json" : "bench.json");
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
await File.WriteAllTextAsync(path, scenarios.Json());
Console.WriteLine($"wrote {path}");
return failed ? 1 : 0;

namespace Yoi.Benchmarks
{
    internal static class FileLimits
    {
        public static (long? Soft, long? Hard) Read()
        {
            try
            {
                foreach (var line in File.ReadLines("/proc/self/limits"))
                {
                    if (!line.StartsWith("Max open files", StringComparison.Ordinal)) continue;
                    var parts = line[26..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return (long.TryParse(parts[0], CultureInfo.InvariantCulture, out var s) ? s : null,
                        long.TryParse(parts[1], CultureInfo.InvariantCulture, out var h) ? h : null);
                }
            }
            catch (IOException) { }
            return (null, null);
        }
    }

    internal sealed record BenchmarkOptions(bool Smoke, string? Redis, int Seconds, int Count, int Clients, int Pipeline)
    {
        public static BenchmarkOptions? Parse(string[] args)
        {
            string? redis = null;
            int seconds = 0, count = 200_000, clients = 50;
            for (var i = 1; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--redis" when i + 1 < args.Length: redis = args[++i]; break;
                    case "--seconds" when i + 1 < args.Length: seconds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                    case "-n" when i + 1 < args.Length: count = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                    case "--clients" when i + 1 < args.Length: clients = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                    default: return null;
                }
            }
            return new BenchmarkOptions(false, redis, seconds, count, clients, 16);
        }
    }
}
