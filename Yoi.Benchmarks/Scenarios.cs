using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Yoi.EventLog;
using Yoi.EventLog.Redis;
using Yoi.Protocol.Cursors;

namespace Yoi.Benchmarks;

internal enum BenchMode { Smoke, Quick, Full }

/// <summary>Sizes of each mode.</summary>
internal sealed record BenchSizes(
    int XaddCount, int XaddRounds, double P1WarmSeconds,
    double P2WarmSeconds, double P2Seconds,
    int FanoutClients, double P3LatencySeconds, double[] P3Ramp, double P3StepSeconds,
    int[] P4Clients, int[] P4Workers,
    int P5Events, double P6SettleSeconds)
{
    public static BenchSizes For(BenchMode mode) => mode switch
    {
        BenchMode.Smoke => new(4_000, 1, 0, 0.3, 1, 10, 1, [500, 1_000], 1, [1, 5, 10], [1, 3, 5], 2_000, 1),
        BenchMode.Quick => new(100_000, 3, 2, 1, 6, 200, 3, [250, 500, 1_000, 1_500, 2_000], 2, [1, 100, 200], [1, 100, 200], 20_000, 3),
        _ => new(200_000, 5, 4, 3, 30, 1_000, 10, [100, 150, 200, 300, 400, 500, 750, 1_000], 4, [1, 100, 1_000], [1, 100, 1_000], 100_000, 5),
    };
}

/// <summary>CPU used by the Backend and by this process (the load generator) over a window, per delivery.</summary>
internal sealed class CpuWindow
{
    private readonly BenchRig _rig;
    private readonly TimeSpan _backend, _self;
    private readonly long _started = Stopwatch.GetTimestamp();

    private CpuWindow(BenchRig rig)
    {
        _rig = rig;
        _backend = rig.Backend.CpuTime();
        _self = Process.GetCurrentProcess().TotalProcessorTime;
    }

    public static CpuWindow Start(BenchRig rig) => new(rig);

    public void Report(Scenarios scenarios, string id, string what, long deliveries, bool row = true)
    {
        var wall = Stopwatch.GetElapsedTime(_started).TotalSeconds;
        var backend = (_rig.Backend.CpuTime() - _backend).TotalSeconds;
        var self = (Process.GetCurrentProcess().TotalProcessorTime - _self).TotalSeconds;
        var text = $"CPU over {wall:0.0} s: Backend {backend / wall:0.00} cores ({backend * 1e6 / Math.Max(1, deliveries):0.0} us/delivery), load generator {self / wall:0.00} cores, load avg {Scenarios.ReadLoad()}";
        Console.WriteLine($"  {id} {what}: {text}");
        if (row) scenarios.AddRow(new ResultRow(id, $"Backend CPU per delivery, {what}", backend * 1e6 / Math.Max(1, deliveries), $"us ({backend / wall:0.00} cores; load generator {self / wall:0.00} cores)", "", null));
    }
}

internal sealed record ResultRow(string Id, string Metric, double Value, string Unit, string Goal, bool? Met);

internal sealed class Scenarios(BenchMode mode, BenchRig rig, int? clients = null)
{
    private readonly BenchSizes _sizes = clients is { } c ? BenchSizes.For(mode) with { FanoutClients = c } : BenchSizes.For(mode);
    public List<ResultRow> Rows { get; } = [];
    public List<string> Errors { get; } = [];
    public List<string> Notes { get; } = [];

    public void AddRow(ResultRow row) => Rows.Add(row);

    private void Row(string id, string metric, double value, string unit, string goal = "", bool? met = null)
    {
        Rows.Add(new ResultRow(id, metric, value, unit, goal, met));
        Console.WriteLine($"  {id} {metric}: {Format(value)} {unit}{(goal.Length > 0 ? $" (goal {goal}: {(met == true ? "met" : met == false ? "MISSED" : "-")})" : "")}");
    }

    private void Note(string text)
    {
        Notes.Add(text);
        Console.WriteLine("  note: " + text);
    }

    public static string Format(double value) => double.IsNaN(value) ? "n/a"
        : Math.Abs(value) >= 100 ? value.ToString("#,0", CultureInfo.InvariantCulture)
        : value.ToString("0.###", CultureInfo.InvariantCulture);

    private void Check(string id, IReadOnlyCollection<BenchSocket> clients, long expectedPerClient)
    {
        long lost = 0, duplicates = 0, missing = 0, errors = 0, reconnects = 0, slow = 0;
        string? firstError = null;
        foreach (var c in clients)
        {
            lost += c.Lost;
            duplicates += c.Duplicates;
            missing += Math.Max(0, expectedPerClient - c.Received - c.Lost);
            reconnects += c.Reconnects;
            slow += c.SlowConsumer;
            if (c.Error is not null)
            {
                errors++;
                firstError ??= c.Error;
            }
        }
        Console.WriteLine($"  {id} check: {clients.Count} clients x {expectedPerClient} events: lost {lost}, duplicated {duplicates}, missing {missing}, errors {errors}, reconnects {reconnects} (slow_consumer {slow})");
        if (lost > 0 || duplicates > 0 || missing > 0 || errors > 0)
            Errors.Add($"{id}: lost {lost}, duplicated {duplicates}, missing {missing}, client errors {errors}{(firstError is null ? "" : $" (first: {firstError})")}");
        if (reconnects > 0) Note($"{id}: {reconnects} reconnects ({slow} after slow_consumer 4408), resumed with the last cursor");
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (!condition() && watch.Elapsed < timeout) await Task.Delay(10);
    }

    private static async Task ConnectAllAsync(IEnumerable<BenchSocket> sockets, List<Task> runs, CancellationToken cancellationToken, int parallel = 32)
    {
        foreach (var chunk in sockets.Chunk(parallel))
        {
            foreach (var socket in chunk) runs.Add(socket.RunAsync(cancellationToken));
            await Task.WhenAll(chunk.Select(s => s.Started)).WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        }
    }

    // ---------------------------------------------------------------- Append throughput (docs/benchmarks.md, "Append throughput")
    public async Task P1AppendThroughputAsync()
    {
        Console.WriteLine("P1 runtime append throughput vs redis-benchmark -P 16 XADD");
        var (host, port) = ("127.0.0.1", rig.RedisPort);
        var hasRedisBenchmark = File.Exists("/usr/bin/redis-benchmark")
            || Environment.GetEnvironmentVariable("PATH")!.Split(':').Any(p => File.Exists(Path.Combine(p, "redis-benchmark")));
        if (!hasRedisBenchmark) Note("redis-benchmark not on PATH: P1 ratio not measured");
        const string ClientKey = "bench:p1:client";
        double clientCpu = 0, redisCpu = 0, scripts = 0, allocated = 0, gen0 = 0; // sums over the measured rounds

        // Warm-up until the JIT has tiered the append path up (a service runs for hours; the first seconds of a
        // process measure its compiler, not its steady state): StackExchange.Redis alone once, the append path for
        // at least P1WarmSeconds.
        await XaddBenchmark.RunClientAsync(rig.Counter, ClientKey, _sizes.XaddCount, 50, 16);
        var warm = Stopwatch.StartNew();
        do await AppendRoundAsync(measure: false);
        while (warm.Elapsed.TotalSeconds < _sizes.P1WarmSeconds);

        // Rounds interleaved, so that redis-benchmark and the append path meet the same moments of a shared machine;
        // each figure is the best of its rounds.
        double redisBenchmark = hasRedisBenchmark ? 0 : double.NaN, client = 0, appender = 0;
        for (var round = 0; round < _sizes.XaddRounds; round++)
        {
            if (hasRedisBenchmark)
            {
                redisBenchmark = Math.Max(redisBenchmark, await XaddBenchmark.RunRedisBenchmarkAsync(host, port, _sizes.XaddCount, 16));
                await rig.Counter.KeyDeleteAsync("bench:rb");
            }
            // StackExchange.Redis alone, 50 callers x 16-XADD batches (IBatch) on its one multiplexed connection.
            await rig.Counter.KeyDeleteAsync(ClientKey);
            var watch = Stopwatch.StartNew();
            var done = await XaddBenchmark.RunClientAsync(rig.Counter, ClientKey, _sizes.XaddCount, 50, 16);
            client = Math.Max(client, done / watch.Elapsed.TotalSeconds);
            await rig.Counter.KeyDeleteAsync(ClientKey);
            appender = Math.Max(appender, await AppendRoundAsync(measure: true));
        }

        Row("P1", "redis-benchmark -P 16 XADD (50 conns)", redisBenchmark, "ops/s");
        Row("P1", "StackExchange.Redis XADD batches (50x16, 1 conn)", client, "ops/s");
        Row("P1", "runtime append path (16 streams, ordered batches, 1 conn)", appender, "events/s");
        var ratio = appender / redisBenchmark;
        Row("P1", "ratio runtime append / redis-benchmark", ratio, "", ">= 0.75", double.IsNaN(ratio) ? null : ratio >= 0.75);
        Row("P1", "ratio StackExchange.Redis batches / redis-benchmark", client / redisBenchmark, "");
        Row("P1", "runtime append path: CPU per event, appending process", clientCpu, "us");
        Row("P1", "runtime append path: CPU per event, redis-server", redisCpu, "us");
        Row("P1", "runtime append path: bytes allocated per event, appending process", allocated, "B");
        Row("P1", "runtime append path: garbage collections per second, appending process", gen0, "");
        Row("P1", "runtime append path: events per append script", scripts == 0 ? double.NaN : (double)_sizes.XaddCount * _sizes.XaddRounds / scripts, "");

        // The runtime's append path: 16 workers' ordered writers (queue -> one script per batch of what is queued).
        // Returns events/s; a measured round adds its share to the CPU, allocation and script figures.
        async Task<double> AppendRoundAsync(bool measure)
        {
            const int Streams = 16;
            var perStream = _sizes.XaddCount / Streams;
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var (allocatedBefore, gen0Before) = (GC.GetTotalAllocatedBytes(), GC.CollectionCount(0));
            var redisBefore = await RedisCpuAsync();
            var scriptsBefore = await RedisCommandCallsAsync("evalsha") + await RedisCommandCallsAsync("eval");
            var producers = Enumerable.Range(0, Streams).Select(i => new SequencedProducer(rig.Log, $"bench:p1:w{i}", null)).ToArray();
            var profile = measure && clientCpu == 0 && Environment.GetEnvironmentVariable("YOI_BENCH_PROFILE") == "1"
                ? Task.Run(() => CpuProfile.CollectAsync(Environment.ProcessId, TimeSpan.FromSeconds(1.5),
                    Path.Combine(XaddBenchmark.FindRepositoryRoot(), "artifacts", "append-p1.nettrace")))
                : null;
            var watch = Stopwatch.StartNew();
            await Task.WhenAll(producers.Select(p => Task.Run(async () =>
            {
                for (long s = 0; s < perStream; s++) await p.SendAsync(s);
                await p.CompleteAsync();
            })));
            watch.Stop();
            if (profile is not null) Console.WriteLine("  P1 appending process CPU profile: " + await profile);
            var events = (double)Streams * perStream;
            if (measure)
            {
                clientCpu += (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds * 1e6 / events / _sizes.XaddRounds;
                allocated += (GC.GetTotalAllocatedBytes() - allocatedBefore) / events / _sizes.XaddRounds;
                gen0 += (GC.CollectionCount(0) - gen0Before) / watch.Elapsed.TotalSeconds / _sizes.XaddRounds;
                redisCpu += (await RedisCpuAsync() - redisBefore) * 1e6 / events / _sizes.XaddRounds;
                scripts += await RedisCommandCallsAsync("evalsha") + await RedisCommandCallsAsync("eval") - scriptsBefore;
            }
            foreach (var p in producers)
            {
                if (p.Failure is not null) Errors.Add($"P1: append failed: {p.Failure.Message}");
                var info = await rig.Log.GetMetadataAsync(StreamName(p));
                if (info?.Length != perStream) Errors.Add($"P1: stream has {info?.Length} entries, expected {perStream}");
            }
            for (var i = 0; i < Streams; i++) await rig.Counter.KeyDeleteAsync($"bench:p1:w{i}");
            return events / watch.Elapsed.TotalSeconds;
        }
    }

    /// <summary>How many times redis-server ran <paramref name="command"/> so far (INFO commandstats).</summary>
    private async Task<long> RedisCommandCallsAsync(string command)
    {
        var info = await rig.Redis.GetServers()[0].InfoAsync("commandstats");
        var stats = info.SelectMany(g => g).FirstOrDefault(p => p.Key == "cmdstat_" + command).Value;
        if (stats is null) return 0;
        var calls = stats.Split(',')[0]; // calls=N,usec=...
        return long.Parse(calls.AsSpan(calls.IndexOf('=') + 1), CultureInfo.InvariantCulture);
    }

    /// <summary>redis-server's CPU seconds so far (user + system, from INFO).</summary>
    private async Task<double> RedisCpuAsync()
    {
        var info = await rig.Redis.GetServers()[0].InfoAsync("cpu");
        double total = 0;
        foreach (var pair in info.SelectMany(g => g))
            if (pair.Key is "used_cpu_user" or "used_cpu_sys") total += double.Parse(pair.Value, CultureInfo.InvariantCulture);
        return total;
    }

    private static string StreamName(SequencedProducer p) => p.StreamKey;

    // ---------------------------------------------------------------- Live latency of one stream (docs/benchmarks.md, "Floors")
    public async Task P2LatencyAsync()
    {
        const double Rate = 2_000;
        Console.WriteLine($"P2 append -> WebSocket receipt latency, 1 worker, 1 client, {Rate} events/s");
        var worker = await rig.CreateWorkerAsync();
        var warm = (long)(Rate * _sizes.P2WarmSeconds);
        var measured = (long)(Rate * _sizes.P2Seconds);
        var tracker = new DeliveryTracker(new long[warm + measured]);
        using var cts = new CancellationTokenSource();
        var socket = new BenchSocket(rig.WorkerWs(worker), tracker, fullParse: true) { ExpectFrom = 0 };
        var run = socket.RunAsync(cts.Token);
        await socket.Started.WaitAsync(TimeSpan.FromSeconds(30));
        await using var producer = new SequencedProducer(rig.Log, rig.Keys.WorkerEvents(worker), tracker.SendTimes);
        await Pacer.RunAsync(Rate, 0, warm, producer.Send);
        await WaitUntilAsync(() => socket.Received + socket.Lost >= warm, TimeSpan.FromSeconds(10));
        var window = tracker.NewWindow();
        producer.ResetStoredLatency();
        // Floors on this machine, no Backend: the same hand-off read back in this process by the two ways of live
        // tailing (docs/benchmarks.md): XREAD BLOCK on a dedicated multiplexer, and the event log's own tail
        // (non-blocking XRANGE woken by the append script's notification). Both run in the same window.
        var stream = rig.Keys.WorkerEvents(worker);
        var startCursor = (await rig.Log.ReadLastAsync(stream))?.Cursor ?? StreamCursor.Zero;
        var tailStop = new CancellationTokenSource();
        var blockFloor = new LatencyHistogram();
        var notifiedFloor = new LatencyHistogram();
        await using var blockingRedis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(rig.RedisEndpoint + ",asyncTimeout=5000,protocol=resp2");
        await using var tailRedis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(rig.RedisEndpoint);
        var tailLog = new RedisEventLog(tailRedis);
        void Record(LatencyHistogram histogram, long now, ReadOnlySpan<byte> payload)
        {
            var text = Encoding.UTF8.GetString(payload);
            var at = text.IndexOf("\"#", StringComparison.Ordinal);
            if (at >= 0 && long.TryParse(text.AsSpan(at + 2, text.IndexOf('"', at + 2) - at - 2), CultureInfo.InvariantCulture, out var s)
                && s >= warm && s < tracker.SendTimes!.Length)
                histogram.RecordTicks(now - Volatile.Read(ref tracker.SendTimes[s]));
        }
        var blockTail = Task.Run(async () =>
        {
            var db = blockingRedis.GetDatabase();
            var after = startCursor.ToString();
            while (!tailStop.IsCancellationRequested)
            {
                var reply = await db.ExecuteAsync("XREAD", "COUNT", 512, "BLOCK", 1000, "STREAMS", (StackExchange.Redis.RedisKey)stream, after);
                var now = Stopwatch.GetTimestamp();
                if (reply.IsNull) continue;
                foreach (var streamReply in (StackExchange.Redis.RedisResult[])reply!)
                foreach (var entry in (StackExchange.Redis.RedisResult[])((StackExchange.Redis.RedisResult[])streamReply!)[1]!)
                {
                    var parts = (StackExchange.Redis.RedisResult[])entry!;
                    after = (string)parts[0]!;
                    var fields = (StackExchange.Redis.RedisResult[])parts[1]!;
                    for (var f = 0; f + 1 < fields.Length; f += 2)
                        if ((string?)fields[f] == "payload") Record(blockFloor, now, (byte[])fields[f + 1]!);
                }
            }
        });
        var notifiedTail = Task.Run(async () =>
        {
            var position = new StreamPosition(stream, startCursor);
            try
            {
                while (!tailStop.IsCancellationRequested)
                {
                    var batches = await tailLog.TailAsync([position], 512, TimeSpan.FromSeconds(1), tailStop.Token);
                    var now = Stopwatch.GetTimestamp();
                    foreach (var batch in batches)
                    foreach (var entry in batch.Entries)
                    {
                        position = position with { After = entry.Cursor };
                        Record(notifiedFloor, now, entry.Payload.Span);
                    }
                }
            }
            catch (OperationCanceledException) { }
        });
        var cpu = CpuWindow.Start(rig);
        await using var gcWatch = GcWatch.TryStart(rig.Backend.Pid);
        var profile = Environment.GetEnvironmentVariable("YOI_BENCH_PROFILE") == "1"
            ? Task.Run(() => CpuProfile.CollectAsync(rig.Backend.Pid, TimeSpan.FromSeconds(Math.Min(5, _sizes.P2Seconds - 1)),
                Path.Combine(XaddBenchmark.FindRepositoryRoot(), "artifacts", "backend-p2.nettrace")))
            : null;
        var lag = await Pacer.RunAsync(Rate, warm, measured, producer.Send);
        if (profile is not null) Console.WriteLine("  P2 Backend CPU profile: " + await profile);
        await WaitUntilAsync(() => socket.Received + socket.Lost >= warm + measured, TimeSpan.FromSeconds(30));
        var gcs = gcWatch is null ? null : await gcWatch.StopAsync();
        var windowLoad = ReadLoad();
        cpu.Report(this, "P2", "2,000 ev/s x 1", measured);
        await producer.CompleteAsync();
        await tailStop.CancelAsync();
        await notifiedTail;
        await blockTail; // its BLOCK (1 s) runs out
        if (producer.Failure is not null) Errors.Add("P2: append failed: " + producer.Failure.Message);
        cts.Cancel();
        await run;
        Check("P2", [socket], warm + measured);
        Row("P2", "p50", window.PercentileMs(0.50), "ms", "<= 0.25", window.PercentileMs(0.50) <= 0.25);
        Row("P2", "p99", window.PercentileMs(0.99), "ms", "<= 1", window.PercentileMs(0.99) <= 1);
        Row("P2", "p99.9", window.PercentileMs(0.999), "ms", "<= 3", window.PercentileMs(0.999) <= 3);
        Row("P2", "max", window.MaxMs, "ms");
        Row("P2", $"samples (after {warm} warm-up)", window.Count, "");
        Row("P2", "sender hand-off lag p99 (vs schedule)", lag.PercentileMs(0.99), "ms");
        Row("P2", "part: hand-off -> XADD reply p50", producer.StoredLatency.PercentileMs(0.5), "ms");
        Row("P2", "part: hand-off -> XADD reply p99", producer.StoredLatency.PercentileMs(0.99), "ms");
        foreach (var (name, floor) in new[] { ("XREAD BLOCK, dedicated connection", blockFloor), ("notification-woken XRANGE", notifiedFloor) })
        {
            Row("P2", $"floor: hand-off -> {name}, in-process (no Backend) p50", floor.PercentileMs(0.5), "ms");
            Row("P2", $"floor: hand-off -> {name}, in-process (no Backend) p99", floor.PercentileMs(0.99), "ms");
            Row("P2", $"floor: hand-off -> {name}, in-process (no Backend) p99.9", floor.PercentileMs(0.999), "ms");
        }
        // The goals are ratios to Redis's own live tail (XREAD BLOCK) in the same window, next to the load average.
        var p99Ratio = window.PercentileMs(0.99) / blockFloor.PercentileMs(0.99);
        var p999Ratio = window.PercentileMs(0.999) / blockFloor.PercentileMs(0.999);
        Row("P2", $"ratio p99 / floor p99 (XREAD BLOCK; load avg {windowLoad})", p99Ratio, "", "<= 1.5 (quiet machine)", JudgeQuiet(p99Ratio <= 1.5, p99Ratio));
        Row("P2", $"ratio p99.9 / floor p99.9 (XREAD BLOCK; load avg {windowLoad})", p999Ratio, "", "<= 2 (quiet machine)", JudgeQuiet(p999Ratio <= 2, p999Ratio));
        Row("P2", "ratio p99 / floor p99 (notification-woken XRANGE)", window.PercentileMs(0.99) / notifiedFloor.PercentileMs(0.99), "");
        Row("P2", "ratio p99.9 / floor p99.9 (notification-woken XRANGE)", window.PercentileMs(0.999) / notifiedFloor.PercentileMs(0.999), "");
        if (gcs is not null)
            for (var g = 0; g < gcs.Length; g++)
                Row("P2", $"Backend gen{g} GCs in the window: pauses total {gcs[g].TotalPauseMs:0.00} ms, max {gcs[g].MaxPauseMs:0.00} ms", gcs[g].Count, "GCs");
        else Note("P2: no GC watch (diagnostics port): the tail is not attributed to GC pauses");
    }

    // ---------------------------------------------------------------- Fan-out, Redis connections by clients, idle memory (docs/benchmarks.md, "Method")
    public async Task FanoutAsync()
    {
        var n = _sizes.FanoutClients;
        Console.WriteLine($"P3/P4/P6 fan-out: 1 worker, {n} WebSocket clients");
        var worker = await rig.CreateWorkerAsync();
        const double WarmRate = 100;
        var warm = (long)(WarmRate * 1);
        var latencyCount = (long)(100 * _sizes.P3LatencySeconds);
        var rampCounts = _sizes.P3Ramp.Select(r => (long)(r * _sizes.P3StepSeconds)).ToArray();
        var tracker = new DeliveryTracker(new long[warm + latencyCount + rampCounts.Sum()]);
        await using var producer = new SequencedProducer(rig.Log, rig.Keys.WorkerEvents(worker), tracker.SendTimes);
        using var cts = new CancellationTokenSource();
        var sockets = new List<BenchSocket>();
        var runs = new List<Task>();
        try
        {
            // Warm the Backend with one client, then the idle baseline.
            sockets.Add(new BenchSocket(rig.WorkerWs(worker), tracker, fullParse: false) { ExpectFrom = 0 });
            await ConnectAllAsync(sockets, runs, cts.Token);
            await Pacer.RunAsync(2_000, 0, warm, producer.Send);
            await WaitUntilAsync(() => tracker.Delivered >= warm, TimeSpan.FromSeconds(10));
            await Task.Delay(TimeSpan.FromSeconds(_sizes.P6SettleSeconds));
            var rssOne = rig.Backend.ResidentBytes();
            var connections = new List<(int Clients, long Info, int Proc)>();
            var (info1, proc1) = await rig.BackendRedisConnectionsAsync();
            connections.Add((1, info1, proc1));

            foreach (var stage in _sizes.P4Clients.Where(c => c > 1 && c < n).Append(n))
            {
                var added = Enumerable.Range(0, stage - sockets.Count)
                    .Select(_ => new BenchSocket(rig.WorkerWs(worker), tracker, fullParse: false) { ExpectFrom = warm }).ToList();
                sockets.AddRange(added);
                await ConnectAllAsync(added, runs, cts.Token);
                await Task.Delay(500);
                var (info, proc) = await rig.BackendRedisConnectionsAsync();
                connections.Add((stage, info, proc));
            }
            await Task.Delay(TimeSpan.FromSeconds(_sizes.P6SettleSeconds));
            var rssAll = rig.Backend.ResidentBytes();
            foreach (var (clients, info, proc) in connections)
                Row("P4", $"Backend Redis connections, {clients} client(s) on 1 worker", info, "conns", "constant",
                    info == connections[0].Info);
            Row("P4", $"(cross-check from /proc: {string.Join(", ", connections.Select(c => c.Proc))})", connections[^1].Proc, "conns");
            var perConnection = (rssAll - rssOne) / (double)(sockets.Count - 1);
            Row("P6", $"as deployed (the Backend's own GC settings): Backend RSS {rssOne / 1048576.0:0.0} -> {rssAll / 1048576.0:0.0} MiB over {sockets.Count - 1} idle clients", perConnection / 1024, "KiB/conn");

            // Fan-out latency at 100 events/s.
            var seq = warm;
            var window = tracker.NewWindow();
            var before = tracker.Delivered;
            var cpu = CpuWindow.Start(rig);
            await Pacer.RunAsync(100, seq, latencyCount, producer.Send);
            seq += latencyCount;
            await WaitUntilAsync(() => tracker.Delivered - before >= latencyCount * n, TimeSpan.FromSeconds(15));
            cpu.Report(this, "P3", $"100 ev/s x {n}", tracker.Delivered - before);
            Row("P3", $"p50 at 100 ev/s x {n} clients ({100 * n:#,0} deliveries/s)", window.PercentileMs(0.5), "ms");
            Row("P3", $"p99 at 100 ev/s x {n} clients", window.PercentileMs(0.99), "ms", "<= 50", window.PercentileMs(0.99) <= 50);
            Row("P3", $"p99.9 at 100 ev/s x {n} clients", window.PercentileMs(0.999), "ms");

            // Ramp: deliveries/s = rate x clients, until < 95% delivered within step + 1 s, or p99 > 1 s.
            double sustained = 0;
            var step = 0;
            foreach (var rate in _sizes.P3Ramp)
            {
                var count = rampCounts[step++];
                var expected = count * n;
                window = tracker.NewWindow();
                before = tracker.Delivered;
                var watch = Stopwatch.StartNew();
                cpu = CpuWindow.Start(rig);
                await Pacer.RunAsync(rate, seq, count, producer.Send);
                seq += count;
                await WaitUntilAsync(() => tracker.Delivered - before >= expected, TimeSpan.FromSeconds(_sizes.P3StepSeconds + 1) - watch.Elapsed);
                var delivered = tracker.Delivered - before;
                var elapsed = watch.Elapsed.TotalSeconds;
                var ratio = delivered / (double)expected;
                var p99 = window.PercentileMs(0.99);
                var ok = ratio >= 0.95 && p99 <= 1_000;
                cpu.Report(this, "P3", $"ramp {rate} ev/s x {n}", delivered, row: false);
                Console.WriteLine($"  P3 ramp {rate} ev/s x {n} = {rate * n:#,0} offered/s: delivered {ratio:P1} in {elapsed:0.0} s ({delivered / elapsed:#,0}/s), p50 {window.PercentileMs(0.5):0.##} ms, p99 {p99:0.##} ms{(ok ? "" : "  <- not sustained")}");
                Rows.Add(new ResultRow("P3", $"ramp {rate} ev/s: delivered ratio / p99 ms", Math.Round(ratio, 3), $"(p99 {p99:0.#} ms)", "", null));
                // Let everything drain before the next step (and before the loss check).
                await WaitUntilAsync(() => tracker.Delivered - before >= expected, TimeSpan.FromSeconds(30));
                if (!ok) break;
                sustained = Math.Max(sustained, rate * n);
            }
            Row("P3", "highest sustained deliveries/s", sustained, "deliveries/s", ">= 300,000", sustained >= 300_000);

            await WaitUntilAsync(() => sockets.All(s => s.Received + s.Lost >= seq - (s == sockets[0] ? 0 : warm)), TimeSpan.FromSeconds(30));
            await producer.CompleteAsync();
            if (producer.Failure is not null) Errors.Add("P3: append failed: " + producer.Failure.Message);
            Check("P3/P6", sockets.Skip(1).ToList(), seq - warm);
            Check("P3 (first client)", [sockets[0]], seq);
        }
        finally
        {
            cts.Cancel();
            await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    // ---------------------------------------------------------------- Two Backends, Redis cost per event (docs/scaling.md)
    /// <summary>
    /// The fan-out scenario (1,000 clients, 100 events/s; docs/benchmarks.md) split over two Backend processes on the same Redis, half the clients on each:
    /// latency, deliveries and CPU per delivery of each Backend, and what Redis did per appended event (commands, bytes
    /// in and out) while it ran. docs/scaling.md builds its capacity model from these rows.
    /// </summary>
    public async Task P7TwoBackendsAsync()
    {
        var n = _sizes.FanoutClients;
        Console.WriteLine($"P7 two Backends on one Redis: 1 worker, {n} clients split over them, 100 events/s");
        await using var second = await rig.StartBackendAsync("backend-2", new Dictionary<string, string>());
        var worker = await rig.CreateWorkerAsync();
        var warm = 200L;
        var count = (long)(100 * _sizes.P3LatencySeconds);
        var tracker = new DeliveryTracker(new long[warm + count]);
        await using var producer = new SequencedProducer(rig.Log, rig.Keys.WorkerEvents(worker), tracker.SendTimes);
        using var cts = new CancellationTokenSource();
        var runs = new List<Task>();
        var sockets = Enumerable.Range(0, n)
            .Select(i => new BenchSocket(rig.WorkerWs(worker, i % 2 == 0 ? rig.Backend : second), tracker, fullParse: false) { ExpectFrom = 0 })
            .ToList();
        try
        {
            await ConnectAllAsync(sockets, runs, cts.Token);
            await Pacer.RunAsync(1_000, 0, warm, producer.Send);
            await WaitUntilAsync(() => tracker.Delivered >= warm * n, TimeSpan.FromSeconds(20));

            var server = rig.Redis.GetServer(rig.Redis.GetEndPoints()[0]);
            await server.ExecuteAsync("CONFIG", "RESETSTAT");
            var window = tracker.NewWindow();
            var before = tracker.Delivered;
            var (cpu1, cpu2, self) = (rig.Backend.CpuTime(), second.CpuTime(), Process.GetCurrentProcess().TotalProcessorTime);
            var watch = Stopwatch.StartNew();
            await Pacer.RunAsync(100, warm, count, producer.Send);
            await WaitUntilAsync(() => tracker.Delivered - before >= count * n, TimeSpan.FromSeconds(15));
            var wall = watch.Elapsed.TotalSeconds;
            var delivered = tracker.Delivered - before;
            var backend1 = (rig.Backend.CpuTime() - cpu1).TotalSeconds;
            var backend2 = (second.CpuTime() - cpu2).TotalSeconds;
            var stats = (await server.InfoAsync("stats")).Concat(await server.InfoAsync("commandstats"))
                .SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value);
            Row("P7", $"p50 at 100 ev/s x {n} clients over 2 Backends", window.PercentileMs(0.5), "ms");
            Row("P7", $"p99 at 100 ev/s x {n} clients over 2 Backends", window.PercentileMs(0.99), "ms", "<= 50", window.PercentileMs(0.99) <= 50);
            Row("P7", "deliveries/s (both Backends)", delivered / wall, "deliveries/s");
            Row("P7", "Backend CPU per delivery, 2 Backends (sum of both)", (backend1 + backend2) * 1e6 / Math.Max(1, delivered),
                $"us ({backend1 / wall:0.00} + {backend2 / wall:0.00} cores; load avg {ReadLoad()})");
            foreach (var command in new[] { "evalsha", "xread", "xrange", "xinfo|stream", "spublish", "ssubscribe", "xadd", "xrevrange" })
                if (stats.TryGetValue("cmdstat_" + command, out var value))
                {
                    var fields = value.Split(',').Select(f => f.Split('=')).Where(f => f.Length == 2).ToDictionary(f => f[0], f => f[1]);
                    var calls = long.Parse(fields["calls"], CultureInfo.InvariantCulture);
                    Row("P7", $"Redis {command.ToUpperInvariant()} per appended event", calls / (double)count, "calls");
                    Row("P7", $"Redis {command.ToUpperInvariant()} server time per call", double.Parse(fields["usec_per_call"], CultureInfo.InvariantCulture), "us");
                }
            Row("P7", "Redis bytes in per appended event", double.Parse(stats["total_net_input_bytes"], CultureInfo.InvariantCulture) / count, "B");
            Row("P7", "Redis bytes out per appended event", double.Parse(stats["total_net_output_bytes"], CultureInfo.InvariantCulture) / count, "B");
            Row("P7", "Redis memory per retained event", await MemoryPerEntryAsync(rig.Keys.WorkerEvents(worker)), "B");
            await producer.CompleteAsync();
            if (producer.Failure is not null) Errors.Add("P7: append failed: " + producer.Failure.Message);
            await WaitUntilAsync(() => sockets.All(s => s.Received + s.Lost >= warm + count), TimeSpan.FromSeconds(30));
            Check("P7", sockets, warm + count);
        }
        finally
        {
            cts.Cancel();
            await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task<double> MemoryPerEntryAsync(string stream)
    {
        var db = rig.Redis.GetDatabase();
        var bytes = (long)await db.ExecuteAsync("MEMORY", "USAGE", (StackExchange.Redis.RedisKey)stream, "SAMPLES", 0);
        var length = await db.StreamLengthAsync(stream);
        return bytes / (double)Math.Max(1, length);
    }

    // ---------------------------------------------------------------- Idle memory per WebSocket, GC-settled (docs/benchmarks.md, "Method")
    /// <summary>What one idle-connection run measured: RSS and the managed heap after induced full GCs at 1, N/2+1, N+1 clients.</summary>
    private sealed record IdleMemory(int Clients, long RssBefore, long RssMiddle, long RssAfter, GcProbe.HeapStats? HeapBefore, GcProbe.HeapStats? HeapAfter)
    {
        /// <summary>RSS per connection over the last N - N/2 connections (past the one-time growth of the first ones).</summary>
        public double MarginalRssKiB => (RssAfter - RssMiddle) / (double)(Clients - Clients / 2) / 1024;
        public double HeapKiB => HeapBefore is null || HeapAfter is null ? double.NaN : (HeapAfter.TotalHeapBytes - HeapBefore.TotalHeapBytes) / (double)Clients / 1024;
    }

    /// <summary>
    /// Connects 1, then N/2, then N - N/2 idle clients made by <paramref name="create"/> to <paramref name="server"/>,
    /// and after each stage lets them settle, induces a full GC and reads RSS. <paramref name="atStage"/> runs after
    /// each reading (0, 1, 2) for the caller's own probes.
    /// </summary>
    private async Task<IdleMemory> MeasureIdleAsync(string id, ServiceProcess server, Func<BenchSocket> create, List<BenchSocket> sockets, List<Task> runs,
        double settleSeconds, CancellationToken cancellationToken, Func<int, Task>? atStage = null)
    {
        var n = _sizes.FanoutClients;
        // Warm up: connect and drop a batch of clients (JIT, pools), then one idle client as the baseline.
        var warmup = Enumerable.Range(0, Math.Min(50, n)).Select(_ => create()).ToList();
        using (var warmCts = new CancellationTokenSource())
        {
            var warmRuns = new List<Task>();
            await ConnectAllAsync(warmup, warmRuns, warmCts.Token);
            warmCts.Cancel();
            await Task.WhenAll(warmRuns).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        var readings = new List<(long Rss, GcProbe.HeapStats? Heap)>();
        foreach (var (stage, count) in new[] { (0, 1), (1, n / 2), (2, n - n / 2) })
        {
            var added = Enumerable.Range(0, count).Select(_ => create()).ToList();
            sockets.AddRange(added);
            await ConnectAllAsync(added, runs, cancellationToken);
            await Task.Delay(TimeSpan.FromSeconds(settleSeconds), cancellationToken);
            var heap = await GcProbe.InduceAsync(server.Pid, TimeSpan.FromSeconds(20));
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            readings.Add((server.ResidentBytes(), heap));
            Console.WriteLine($"  {id} {sockets.Count} clients: {server.StatusSummary()}");
            if (atStage is not null) await atStage(stage);
        }
        Console.WriteLine($"  {id} managed heap after induced full GCs: {string.Join(" -> ", readings.Select(r => r.Heap?.ToString() ?? "n/a"))}");
        return new IdleMemory(n, readings[0].Rss, readings[1].Rss, readings[2].Rss, readings[0].Heap, readings[2].Heap);
    }

    /// <summary>
    /// The idle-memory floor (docs/benchmarks.md, "Floors"): the bare-Kestrel app (FloorServer) with the Backend's GC
    /// settings and the capped gen0 budget of the idle-memory scenario, the
    /// same clients (handshake, then an idle receive), the same stages. Quick and smoke modes settle 1 s instead.
    /// </summary>
    private async Task<IdleMemory?> P6FloorAsync(IReadOnlyDictionary<string, string> gcEnvironment)
    {
        var n = _sizes.FanoutClients;
        Console.WriteLine($"P6 floor: {n} idle WebSockets on a bare ASP.NET Core app (accept, await a receive)");
        await using var floor = await rig.StartFloorAsync("floor-p6", gcEnvironment);
        using (var http = new HttpClient { BaseAddress = floor.Url, Timeout = TimeSpan.FromSeconds(10) })
            Console.WriteLine($"  P6 floor GC: {await http.GetStringAsync("gc")}");
        var url = new Uri($"ws://{floor.Url.Authority}/idle");
        var tracker = new DeliveryTracker(null);
        using var cts = new CancellationTokenSource();
        var runs = new List<Task>();
        var sockets = new List<BenchSocket>();
        try
        {
            var settle = mode == BenchMode.Full ? _sizes.P6SettleSeconds : 1;
            var result = await MeasureIdleAsync("P6 floor", floor, () => new BenchSocket(url, tracker, fullParse: false) { StartOnConnect = true },
                sockets, runs, settle, cts.Token);
            var errors = sockets.Count(s => s.Error is not null);
            if (errors > 0) Errors.Add($"P6 floor: {errors} client errors (first: {sockets.First(s => s.Error is not null).Error})");
            Row("P6", $"floor (bare Kestrel): marginal RSS {result.RssMiddle / 1048576.0:0.0} -> {result.RssAfter / 1048576.0:0.0} MiB for the last {n - n / 2} idle clients", result.MarginalRssKiB, "KiB/conn");
            Row("P6", $"floor (bare Kestrel): managed heap after induced full GC over {n} idle clients", result.HeapKiB, "KiB/conn");
            return result;
        }
        finally
        {
            cts.Cancel();
            await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// Memory per idle connection on a Backend of its own whose gen0 budget is capped (DOTNET_GCgen0size=4 MiB), so
    /// RSS follows live memory instead of an untouched server-GC gen0 budget; read after the connections sat idle.
    /// The bare-Kestrel floor runs first, with the same settings and clients, and the goals are ratios to it.
    /// </summary>
    public async Task P6MemoryAsync()
    {
        var n = _sizes.FanoutClients;
        var gcEnvironment = new Dictionary<string, string> { ["DOTNET_GCgen0size"] = "0x400000" };
        var floorLoad = ReadLoad();
        IdleMemory? floor = null;
        var floorWatch = Stopwatch.StartNew();
        try
        {
            floor = await P6FloorAsync(gcEnvironment);
            Console.WriteLine($"  (P6 floor took {floorWatch.Elapsed.TotalSeconds:0.0} s)");
        }
        catch (Exception ex)
        {
            Errors.Add($"P6 floor failed: {ex.GetType().Name}: {ex.Message}");
        }
        Console.WriteLine($"P6 memory per idle WebSocket: {n} clients on a Backend with a capped gen0 budget (load avg at the floor {floorLoad}, now {ReadLoad()})");
        await using var backend = await rig.StartBackendAsync("backend-p6", gcEnvironment);
        var worker = await rig.CreateWorkerAsync();
        var tracker = new DeliveryTracker(null);
        using var cts = new CancellationTokenSource();
        var runs = new List<Task>();
        var sockets = new List<BenchSocket>();
        try
        {
            Dictionary<string, HeapBreakdown.TypeStat>? typesBefore = null;
            Dictionary<string, long>? areasMiddle = null;
            var result = await MeasureIdleAsync("P6", backend, () => new BenchSocket(rig.WorkerWs(worker, backend), tracker, fullParse: false) { ExpectFrom = 0 },
                sockets, runs, _sizes.P6SettleSeconds, cts.Token, stage =>
                {
                    if (stage == 0 && Environment.GetEnvironmentVariable("YOI_BENCH_HEAP") == "1")
                    {
                        typesBefore = HeapBreakdown.Take(backend.Pid);
                        Note("P6: YOI_BENCH_HEAP=1 dumps the Backend's heap, which makes committed pages resident: take RSS figures from a run without it");
                    }
                    if (stage == 1) areasMiddle = backend.ResidentBytesByArea();
                    return Task.CompletedTask;
                });
            // Where the RSS of the last N/2 connections went, area by area (the GC's regions are one anonymous run).
            Console.WriteLine($"  P6 RSS grown by memory area over the last {n - n / 2} connections (>= 64 KiB):");
            foreach (var (area, rss) in backend.ResidentBytesByArea().Select(a => (a.Key, a.Value - areasMiddle!.GetValueOrDefault(a.Key)))
                .Where(a => a.Item2 >= 65536).OrderByDescending(a => a.Item2))
                Console.WriteLine($"    {area}: +{rss / 1024} KiB, {rss / (double)(n - n / 2):0} B/conn");
            if (typesBefore is not null)
            {
                var typesAfter = HeapBreakdown.Take(backend.Pid);
                var liveGrowth = typesAfter.Values.Sum(t => t.Bytes) - typesBefore.Values.Sum(t => t.Bytes);
                Row("P6", $"live managed objects (ClrMD walk from roots) grown over {n} idle clients", liveGrowth / (double)n / 1024, "KiB/conn");
                Console.WriteLine($"  P6 live objects grown over {n} connections (type, count, bytes, bytes/conn):");
                foreach (var (type, count, bytes) in HeapBreakdown.Diff(typesBefore, typesAfter, n / 2))
                    Console.WriteLine($"    {type}: {count} objects, {bytes} B, {bytes / (double)n:0} B/conn");
            }
            if (result.HeapBefore is not null && result.HeapAfter is not null)
                Row("P6", $"managed heap after induced full GC: {result.HeapBefore.TotalHeapBytes / 1048576.0:0.0} -> {result.HeapAfter.TotalHeapBytes / 1048576.0:0.0} MiB over {n} idle clients",
                    result.HeapKiB, "KiB/conn");
            else Note("P6: the induced GC (diagnostics port) gave no heap statistics");
            // Still alive and correct: one event reaches all of them.
            await rig.Log.AppendAsync(rig.Keys.WorkerEvents(worker), SequencedProducer.Payload(0), StreamRetention.Unbounded);
            await WaitUntilAsync(() => tracker.Delivered >= sockets.Count, TimeSpan.FromSeconds(30));
            Check("P6", sockets, 1);
            var perConnection = (result.RssAfter - result.RssBefore) / (double)n / 1024;
            Row("P6", $"Backend RSS {result.RssBefore / 1048576.0:0.0} -> {result.RssAfter / 1048576.0:0.0} MiB over {n} idle clients (gen0 budget 4 MiB, induced full GC), incl. one-time growth", perConnection, "KiB/conn");
            Row("P6", $"marginal: RSS {result.RssMiddle / 1048576.0:0.0} -> {result.RssAfter / 1048576.0:0.0} MiB for the last {n - n / 2} idle clients", result.MarginalRssKiB, "KiB/conn",
                "<= 16", result.MarginalRssKiB <= 16);
            if (floor is not null)
            {
                var rssRatio = result.MarginalRssKiB / floor.MarginalRssKiB;
                Row("P6", $"ratio marginal RSS / floor (load avg {ReadLoad()})", rssRatio, "", "<= 1.3 (quiet machine)", JudgeQuiet(rssRatio <= 1.3, floor.MarginalRssKiB > 0 ? rssRatio : double.NaN));
                var heapOver = result.HeapKiB - floor.HeapKiB;
                Row("P6", "managed heap minus floor", heapOver, "KiB/conn", "<= 2 (quiet machine)", JudgeQuiet(heapOver <= 2, heapOver));
            }
        }
        finally
        {
            cts.Cancel();
            await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    // ---------------------------------------------------------------- Redis connections by observed workers (docs/benchmarks.md, "Method")
    public async Task P4WorkersAsync()
    {
        var max = _sizes.P4Workers.Max();
        Console.WriteLine($"P4 Backend Redis connections with 1..{max} observed workers (one client each)");
        var workers = new List<string>();
        var created = new SemaphoreSlim(8);
        var ids = await Task.WhenAll(Enumerable.Range(0, max).Select(async _ =>
        {
            await created.WaitAsync();
            try { return await rig.CreateWorkerAsync(); }
            finally { created.Release(); }
        }));
        workers.AddRange(ids);
        var tracker = new DeliveryTracker(null);
        using var cts = new CancellationTokenSource();
        var sockets = new List<BenchSocket>();
        var runs = new List<Task>();
        try
        {
            foreach (var stage in _sizes.P4Workers)
            {
                var added = workers.Skip(sockets.Count).Take(stage - sockets.Count)
                    .Select(w => new BenchSocket(rig.WorkerWs(w), tracker, fullParse: false) { ExpectFrom = 0 }).ToList();
                sockets.AddRange(added);
                await ConnectAllAsync(added, runs, cts.Token);
                await Task.Delay(500);
                var (info, proc) = await rig.BackendRedisConnectionsAsync();
                Row("P4", $"Backend Redis connections, {stage} observed worker(s) (proc {proc})", info, "conns", "constant", null);
            }
            const int PerWorker = 3;
            var payloads = Enumerable.Range(0, PerWorker).Select(i => (ReadOnlyMemory<byte>)SequencedProducer.Payload(i)).ToArray();
            await Task.WhenAll(workers.Select(async w => await rig.Log.AppendBatchAsync(rig.Keys.WorkerEvents(w), payloads, StreamRetention.Unbounded)));
            await WaitUntilAsync(() => tracker.Delivered >= (long)PerWorker * workers.Count, TimeSpan.FromSeconds(30));
            Check("P4 workers", sockets, PerWorker);
        }
        finally
        {
            cts.Cancel();
            await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        var p4 = Rows.Where(r => r.Id == "P4" && r.Metric.Contains("observed worker", StringComparison.Ordinal)).ToList();
        for (var i = 0; i < p4.Count; i++)
            Rows[Rows.IndexOf(p4[i])] = p4[i] with { Met = p4[i].Value == p4[0].Value };
    }

    // ---------------------------------------------------------------- Backlog replay (docs/benchmarks.md, "Goals and results")
    public async Task P5ReplayAsync()
    {
        var count = _sizes.P5Events;
        Console.WriteLine($"P5 backlog replay of {count} events to one client");
        var worker = await rig.CreateWorkerAsync();
        var stream = rig.Keys.WorkerEvents(worker);
        var last = (await rig.Log.ReadLastAsync(stream))?.Cursor ?? StreamCursor.Zero;
        for (var offset = 0; offset < count; offset += 1_000)
        {
            var batch = Enumerable.Range(offset, Math.Min(1_000, count - offset)).Select(i => (ReadOnlyMemory<byte>)SequencedProducer.Payload(i)).ToArray();
            await rig.Log.AppendBatchAsync(stream, batch, StreamRetention.Unbounded);
        }
        var tracker = new DeliveryTracker(null);
        using var cts = new CancellationTokenSource();
        var socket = new BenchSocket(rig.WorkerWs(worker), tracker, fullParse: true, cursor: last) { ExpectFrom = 0 };
        var start = Stopwatch.GetTimestamp();
        var run = socket.RunAsync(cts.Token);
        await WaitUntilAsync(() => socket.Received + socket.Lost >= count || run.IsCompleted, TimeSpan.FromSeconds(120));
        var elapsed = Stopwatch.GetElapsedTime(start, Volatile.Read(ref socket.LastReceivedAt));
        cts.Cancel();
        await run;
        Check("P5", [socket], count);
        Row("P5", $"replay {count:#,0} events (connect to last frame parsed, {elapsed.TotalSeconds:0.00} s)", count / elapsed.TotalSeconds, "events/s",
            ">= 150,000", count / elapsed.TotalSeconds >= 150_000);
    }

    public string LoadAtStart { get; } = ReadLoad();

    /// <summary>
    /// A ratio goal judged only on a quiet machine (1-minute load average at most the core count): on a shared,
    /// loaded machine the row shows the figure and its load average but claims neither met nor missed.
    /// </summary>
    public static bool? JudgeQuiet(bool met, double ratio)
    {
        if (!double.IsFinite(ratio)) return null;
        var load = ReadLoad().Split(' ')[0];
        return double.TryParse(load, CultureInfo.InvariantCulture, out var one) && one <= Environment.ProcessorCount ? met : null;
    }

    /// <summary>/proc/loadavg (1, 5, 15 min): the machine is shared, so every figure is read next to it.</summary>
    public static string ReadLoad()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "?"; }
    }

    public string MarkdownTable()
    {
        var sb = new StringBuilder();
        sb.AppendLine("| # | measure | figure | unit | goal | met |");
        sb.AppendLine("|---|---|---:|---|---|---|");
        foreach (var r in Rows)
            sb.AppendLine($"| {r.Id} | {r.Metric} | {Format(r.Value)} | {r.Unit} | {r.Goal} | {(r.Met switch { true => "yes", false => "**no**", _ => "" })} |");
        return sb.ToString();
    }

    public string Json() => JsonSerializer.Serialize(new
    {
        mode = mode.ToString().ToLowerInvariant(),
        timestamp = DateTimeOffset.UtcNow,
        loadAverage = new { start = LoadAtStart, end = ReadLoad() },
        machine = new { Environment.ProcessorCount, os = System.Runtime.InteropServices.RuntimeInformation.OSDescription, runtime = Environment.Version.ToString() },
        rows = Rows.Select(r => new { id = r.Id, metric = r.Metric, value = double.IsNaN(r.Value) ? (double?)null : Math.Round(r.Value, 4), unit = r.Unit, goal = r.Goal, met = r.Met }),
        notes = Notes,
        errors = Errors,
    }, new JsonSerializerOptions { WriteIndented = true });
}
