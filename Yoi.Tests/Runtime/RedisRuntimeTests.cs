using StackExchange.Redis;
using Microsoft.Extensions.Logging.Abstractions;
using Yoi.EventLog.Redis;
using Yoi.Protocol.Api;
using Yoi.Protocol.Events;
using Yoi.Runtime;
using Yoi.EventLog.Storage;
using Yoi.Runtime.Streams;
using Yoi.Runtime.Workers;
using Yoi.Tests.EventLog.Redis;
using static Yoi.Tests.Runtime.RuntimeTestSupport;

namespace Yoi.Tests.Runtime;

/// <summary>The runtime on the Redis engine: durable registry and checkpoints, and surviving Redis outages.</summary>
public sealed class RedisRuntimeTests(RedisServerFixture redis)
{
    private static WorkerRuntime OnRedis(IConnectionMultiplexer client, RuntimeOptions options) =>
        new(options, new RedisEventLog(client), new RedisSnapshotStore(client),
            new RedisWorkerRegistry(client, new StreamKeys(options.KeyPrefix, options.Id).Registry), NullLoggerFactory.Instance,
            () => client.IsConnected);

    [Fact]
    public async Task Create_answers_only_once_the_worker_and_its_first_events_are_stored()
    {
        var options = Options(keyPrefix: RedisServerFixture.NewKeyPrefix());
        var keys = new StreamKeys(options.KeyPrefix, options.Id);
        await using var runtime = OnRedis(redis.Multiplexer, options);
        await runtime.StartAsync(Ct);

        var created = await runtime.CreateWorkerAsync(new CreateWorkerRequest(), Ct);

        // Read straight away, with no waiting: a 201 must already be durable.
        var registry = await new RedisWorkerRegistry(redis.Multiplexer, keys.Registry).LoadAllAsync(Ct);
        Assert.Contains(registry, r => r.WorkerId == created.WorkerId);
        var last = await new RedisEventLog(redis.Multiplexer).ReadLastAsync(keys.WorkerEvents(created.WorkerId), Ct);
        Assert.NotNull(last);
        Assert.Equal(last.Cursor.ToString(), created.LastCursor);
    }

    [Fact]
    public async Task A_new_runtime_on_the_same_keys_lists_the_same_workers_with_their_transcripts()
    {
        var options = Options(keyPrefix: RedisServerFixture.NewKeyPrefix());
        string workerId, stoppedId;
        string before;
        await using (var first = OnRedis(redis.Multiplexer, options))
        {
            await first.StartAsync(Ct);
            workerId = (await first.CreateWorkerAsync(new CreateWorkerRequest(), Ct)).WorkerId;
            stoppedId = (await first.CreateWorkerAsync(new CreateWorkerRequest(), Ct)).WorkerId;
            await first.SendInputAsync(workerId, "remember me", Ct);
            await WaitIdleAsync(first, workerId);
            await first.StopAsync(stoppedId, Ct);
            before = System.Text.Json.JsonSerializer.Serialize((await first.GetTranscriptAsync(workerId, Ct)).Snapshot,
                Yoi.Protocol.ProtocolJsonContext.Default.WorkerSnapshot);
        }
        var record = await new RedisWorkerRegistry(redis.Multiplexer, new StreamKeys(options.KeyPrefix, options.Id).Registry).LoadAllAsync(Ct);
        Assert.Equal(2, record.Count);
        Assert.NotNull((byte[]?)await redis.Multiplexer.GetDatabase().StringGetAsync(new StreamKeys(options.KeyPrefix, options.Id).WorkerState(workerId)));

        await using var second = OnRedis(redis.Multiplexer, options);
        await second.StartAsync(Ct);
        Assert.Equal([(workerId, "idle"), (stoppedId, "stopped")],
            second.ListWorkers().Select(w => (w.WorkerId, w.Status)).OrderBy(w => w.Status));
        var after = System.Text.Json.JsonSerializer.Serialize((await second.GetTranscriptAsync(workerId, Ct)).Snapshot,
            Yoi.Protocol.ProtocolJsonContext.Default.WorkerSnapshot);
        Assert.Equal(before, after);
        Assert.Equal(ApiErrorCodes.WorkerStopped,
            (await Assert.ThrowsAsync<WorkerCommandException>(() => second.SendInputAsync(stoppedId, "x", Ct).AsTask())).Code);
    }

    private static async Task<RedisServerProcess> StartDurableServerAsync(string dir) =>
        await RedisServerFixture.StartPrivateServerAsync("--dir", dir, "--appendonly", "yes", "--appendfsync", "always");

    [Fact]
    public async Task A_short_redis_outage_loses_and_duplicates_nothing_and_new_input_meanwhile_is_unavailable()
    {
        var dir = Directory.CreateTempSubdirectory("yoi-redis-").FullName;
        await using var server = await StartDurableServerAsync(dir);
        await using var client = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",abortConnect=false");
        var options = Options(deltaDelayMs: 10, keyPrefix: RedisServerFixture.NewKeyPrefix(), outageLimitSeconds: 60);
        await using var runtime = OnRedis(client, options);
        var log = new RedisEventLog(client);
        var worker = (await runtime.CreateWorkerAsync(new CreateWorkerRequest(), Ct)).WorkerId;
        var idle = (await runtime.CreateWorkerAsync(new CreateWorkerRequest(), Ct)).WorkerId;
        var run = await runtime.SendInputAsync(worker, "long 400", Ct);
        var stream = runtime.Keys.WorkerEvents(worker);
        await WaitForEventsAsync(log, stream, e => e.OfType<TextDeltaEvent>().Count() >= 50);

        await server.StopAsync();
        await Eventually.TrueAsync(() => !client.IsConnected, "the runtime's Redis connection to notice the outage");
        var unavailable = await Assert.ThrowsAsync<WorkerCommandException>(() => runtime.SendInputAsync(idle, "hi", Ct).AsTask());
        Assert.Equal(ApiErrorCodes.EventLogUnavailable, unavailable.Code);
        await Task.Delay(1200, Ct); // the outage lasts a while (shorter than the outage limit)
        await server.StartAsync();

        var events = await WaitForEventsAsync(log, stream, e => e.Any(x => x is RunEndEvent), TimeSpan.FromSeconds(30));
        await WaitIdleAsync(runtime, worker);
        events = await ReadEventsAsync(log, stream);
        var deltas = events.OfType<TextDeltaEvent>().Select(d => d.Text.Trim()).ToList();
        Assert.Equal(Enumerable.Range(0, 400).Select(i => $"word{i}"), deltas);
        Assert.Equal(new RunEndEvent(run.RunId!, RunResults.Finished), events[^2]);
        Assert.DoesNotContain(events, e => e is ErrorEvent);
        Assert.Single(events.OfType<UserMessageEvent>());

        // Works normally again.
        await runtime.SendInputAsync(idle, "hi", Ct);
        await WaitIdleAsync(runtime, idle);
    }

    [Fact]
    public async Task An_outage_longer_than_the_limit_fails_the_run_visibly_once_redis_is_back()
    {
        var dir = Directory.CreateTempSubdirectory("yoi-redis-").FullName;
        await using var server = await StartDurableServerAsync(dir);
        await using var client = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",abortConnect=false");
        var options = Options(deltaDelayMs: 10, keyPrefix: RedisServerFixture.NewKeyPrefix(), outageLimitSeconds: 2);
        await using var runtime = OnRedis(client, options);
        var log = new RedisEventLog(client);
        var worker = (await runtime.CreateWorkerAsync(new CreateWorkerRequest(), Ct)).WorkerId;
        var run = await runtime.SendInputAsync(worker, "long 100000", Ct);
        var stream = runtime.Keys.WorkerEvents(worker);
        await WaitForEventsAsync(log, stream, e => e.OfType<TextDeltaEvent>().Count() >= 20);

        await server.StopAsync();
        await Task.Delay(3500, Ct); // the outage outlasts the 2 s limit
        await server.StartAsync();

        var events = await WaitForEventsAsync(log, stream, e => e.Any(x => x is RunEndEvent), TimeSpan.FromSeconds(30));
        await WaitIdleAsync(runtime, worker);
        events = await ReadEventsAsync(log, stream);
        var error = Assert.Single(events.OfType<ErrorEvent>());
        Assert.Equal("internal", error.Code);
        Assert.StartsWith("event log unavailable", error.Message);
        Assert.Equal(new RunEndEvent(run.RunId!, RunResults.Failed), events[^2]);
        Assert.Equal(new StatusEvent("idle"), events[^1]);
        var deltas = events.OfType<TextDeltaEvent>().Select(d => d.Text.Trim()).ToList();
        Assert.Equal(Enumerable.Range(0, deltas.Count).Select(i => $"word{i}"), deltas);
        Assert.InRange(deltas.Count, 20, 99_999);
        Assert.Equal("idle", runtime.GetWorker(worker).Status);
    }
}
