using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using StackExchange.Redis;

namespace Yoi.Benchmarks;

/// <summary>
/// XADD throughput: redis-benchmark (-P 16, its default 50 connections) against StackExchange.Redis doing
/// 16-deep XADD batches (<see cref="IBatch"/>) from many concurrent callers over its one multiplexed connection.
/// </summary>
internal static partial class XaddBenchmark
{
    private const int MinRounds = 5;

    public static async Task<int> SmokeAsync(BenchmarkOptions options)
    {
        await using var server = options.Redis is null ? await RedisServerProcess.StartAsync() : null;
        var endpoint = options.Redis ?? $"127.0.0.1:{server!.Port}";
        await using var redis = await ConnectionMultiplexer.ConnectAsync(endpoint);
        var client = redis.GetDatabase();
        var key = $"bench:smoke:{Guid.NewGuid():N}";
        var watch = Stopwatch.StartNew();
        var done = await RunClientAsync(client, key, 2_000, clients: 4, pipeline: 16);
        watch.Stop();
        var info = await client.StreamInfoAsync(key);
        await client.KeyDeleteAsync(key);
        if (info.Length != done) throw new InvalidOperationException($"expected {done} entries, found {info.Length}");
        Console.WriteLine($"smoke ok: {done} pipelined XADD in {watch.Elapsed.TotalMilliseconds:0} ms ({done / watch.Elapsed.TotalSeconds:0} ops/s)");
        return 0;
    }

    public static async Task<int> RunAsync(BenchmarkOptions options)
    {
        await using var server = options.Redis is null ? await RedisServerProcess.StartAsync() : null;
        var endpoint = options.Redis ?? $"127.0.0.1:{server!.Port}";
        var (host, port) = ParseEndpoint(endpoint);

        // Best of the same minimum number of rounds as the client, so neither side is judged on a cold run.
        var redisBenchmark = 0.0;
        for (var round = 0; round < MinRounds; round++)
            redisBenchmark = Math.Max(redisBenchmark, await RunRedisBenchmarkAsync(host, port, options.Count, options.Pipeline));

        await using var redis = await ConnectionMultiplexer.ConnectAsync(endpoint);
        var client = redis.GetDatabase();
        var key = $"bench:yoi:{Guid.NewGuid():N}";
        await RunClientAsync(client, key, options.Count, options.Clients, options.Pipeline); // warm-up: JIT tiering, pools
        var best = 0.0;
        var rounds = 0;
        double allocatedPerOp = 0;
        var until = Stopwatch.StartNew();
        do
        {
            await client.KeyDeleteAsync(key);
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var watch = Stopwatch.StartNew();
            var done = await RunClientAsync(client, key, options.Count, options.Clients, options.Pipeline);
            watch.Stop();
            allocatedPerOp = (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / (double)done;
            best = Math.Max(best, done / watch.Elapsed.TotalSeconds);
            rounds++;
        } while (rounds < MinRounds || until.Elapsed < TimeSpan.FromSeconds(options.Seconds));
        await client.KeyDeleteAsync(key);
        await client.KeyDeleteAsync("bench:rb");

        var ratio = best / redisBenchmark;
        Console.WriteLine();
        Console.WriteLine($"XADD, {options.Count} ops, pipeline {options.Pipeline}, redis {endpoint}");
        var rows = new (string Runner, string Value)[]
        {
            ($"redis-benchmark -P {options.Pipeline} (50 connections)", redisBenchmark.ToString("0", CultureInfo.InvariantCulture)),
            ($"StackExchange.Redis batches ({options.Clients} callers x {options.Pipeline}, 1 connection)", best.ToString("0", CultureInfo.InvariantCulture)),
            ("ratio Yoi / redis-benchmark", ratio.ToString("0.00", CultureInfo.InvariantCulture)),
        };
        var width = rows.Max(r => r.Runner.Length);
        Console.WriteLine($"| {"runner".PadRight(width)} |      ops/s |");
        Console.WriteLine($"|{new string('-', width + 2)}|-----------:|");
        foreach (var (runner, value) in rows) Console.WriteLine($"| {runner.PadRight(width)} | {value,10} |");
        Console.WriteLine($"(best of {MinRounds} redis-benchmark runs and {rounds} client rounds; client allocations ~{allocatedPerOp:0} B per XADD)");

        var artifacts = Path.Combine(FindRepositoryRoot(), "artifacts");
        Directory.CreateDirectory(artifacts);
        var json = JsonSerializer.Serialize(new
        {
            command = "XADD",
            count = options.Count,
            pipeline = options.Pipeline,
            redisBenchmarkOpsPerSecond = Math.Round(redisBenchmark),
            yoiClientOpsPerSecond = Math.Round(best),
            ratio = Math.Round(ratio, 3),
            yoiConcurrentCallers = options.Clients,
            yoiConnections = 1,
            yoiAllocatedBytesPerOp = Math.Round(allocatedPerOp),
            rounds,
            timestamp = DateTimeOffset.UtcNow,
        }, new JsonSerializerOptions { WriteIndented = true });
        var path = Path.Combine(artifacts, "bench-xadd.json");
        await File.WriteAllTextAsync(path, json);
        Console.WriteLine($"wrote {path}");
        return 0;
    }

    /// <summary><paramref name="clients"/> concurrent callers, each sending batches of <paramref name="pipeline"/> XADDs.</summary>
    internal static async Task<long> RunClientAsync(IDatabase client, string key, int count, int clients, int pipeline)
    {
        var remaining = (long)count;
        long done = 0;
        var callers = Enumerable.Range(0, clients).Select(async _ =>
        {
            var adds = new Task<RedisValue>[pipeline];
            while (Interlocked.Add(ref remaining, -pipeline) > -pipeline)
            {
                var batch = client.CreateBatch();
                for (var i = 0; i < pipeline; i++) adds[i] = batch.StreamAddAsync(key, "f", "v");
                batch.Execute();
                await Task.WhenAll(adds).ConfigureAwait(false);
                Interlocked.Add(ref done, pipeline);
            }
        });
        await Task.WhenAll(callers);
        return done;
    }

    private static (string Host, int Port) ParseEndpoint(string endpoint)
    {
        var first = ConfigurationOptions.Parse(endpoint).EndPoints[0];
        return first switch
        {
            System.Net.DnsEndPoint dns => (dns.Host, dns.Port),
            System.Net.IPEndPoint ip => (ip.Address.ToString(), ip.Port),
            _ => throw new ArgumentException($"Cannot read host and port from {endpoint}."),
        };
    }

    internal static async Task<double> RunRedisBenchmarkAsync(string host, int port, int count, int pipeline)
    {
        var info = new ProcessStartInfo("redis-benchmark")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-h", host, "-p", port.ToString(CultureInfo.InvariantCulture), "-P", pipeline.ToString(CultureInfo.InvariantCulture),
                     "-n", count.ToString(CultureInfo.InvariantCulture), "-q", "XADD", "bench:rb", "*", "f", "v" })
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("redis-benchmark did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var output = await stdout + await stderr;
        var matches = RequestsPerSecond().Matches(output);
        if (process.ExitCode != 0 || matches.Count == 0)
            throw new InvalidOperationException($"redis-benchmark failed (exit {process.ExitCode}): {output}");
        return double.Parse(matches[^1].Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"([0-9]+(?:\.[0-9]+)?) requests per second")]
    private static partial Regex RequestsPerSecond();

    internal static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Yoi.Aspire.sln"))) return dir.FullName;
        return Environment.CurrentDirectory;
    }
}
