using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Yoi.Client;
using Yoi.Client.Hosting;
using Yoi.Client.Observation;
using Yoi.Protocol.Api;
using Yoi.Protocol.Envelopes;
using Yoi.Protocol.Events;
using Yoi.Tests.Backend;

namespace Yoi.Tests.Client;

/// <summary>The client as an application uses it: <c>AddYoiClient</c>, paging, the runtime observer, typed plugins.</summary>
public sealed class YoiClientTests(Yoi.Tests.EventLog.Redis.RedisServerFixture redis)
{
    private const string OperatorKey = "client-operator-key-0123456789";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<BackendHost> StartEmbeddedAsync() => BackendHost.StartAsync(new Dictionary<string, string?>
    {
        ["Backend:Runtimes:0:Id"] = "rt-1",
        ["Backend:Runtimes:0:Source"] = "embedded",
        ["Backend:Runtimes:0:Runtime:Scripted:DeltaDelayMs"] = "0",
        ["Backend:ApiKeys:0:Key"] = OperatorKey,
        ["Backend:ApiKeys:0:Role"] = "operator",
    });

    private static YoiClient Resolve(Uri backend, string? key)
    {
        var services = new ServiceCollection();
        services.AddYoiClient(o =>
        {
            o.BaseAddress = backend;
            o.ApiKey = key;
        });
        return services.BuildServiceProvider().GetRequiredService<YoiClient>();
    }

    [Fact]
    public async Task AddYoiClient_sends_the_key_through_its_handler_and_pages_every_event_in_order()
    {
        await using var host = await StartEmbeddedAsync();
        var client = Resolve(host.BaseUri, OperatorKey);
        var worker = await client.CreateWorkerAsync("rt-1", cancellationToken: Ct);
        var run = await client.SendInputAsync("rt-1", worker.WorkerId, "what time is it? use the clock", Ct);
        await foreach (var frame in client.ObserveWorker("rt-1", worker.WorkerId, Yoi.Protocol.Cursors.StreamCursor.Zero).WithCancellation(Ct))
            if (frame is EventFrame { Payload: RunEndEvent end } && end.RunId == run.RunId) break;

        var paged = new List<ObservationFrame>();
        await foreach (var frame in client.ReadEventsAsync("rt-1", worker.WorkerId, pageSize: 3, cancellationToken: Ct)) paged.Add(frame);
        var whole = await client.GetEventsAsync("rt-1", worker.WorkerId, limit: 1000, cancellationToken: Ct);
        Assert.True(whole.Events.Count > 6, "the run should span several pages of 3");
        Assert.Equal(whole.Events.Select(e => e.Cursor), paged.Cast<EventFrame>().Select(e => e.Cursor));
        Assert.Contains(paged, f => f is EventFrame { Payload: ToolResultEvent });

        var after = whole.Events[^3].Cursor;
        var tail = new List<ObservationFrame>();
        await foreach (var frame in client.ReadEventsAsync("rt-1", worker.WorkerId, after, pageSize: 1, cancellationToken: Ct)) tail.Add(frame);
        Assert.Equal(whole.Events.TakeLast(2).Select(e => e.Cursor), tail.Cast<EventFrame>().Select(e => e.Cursor));

        var second = await client.CreateWorkerAsync("rt-1", cancellationToken: Ct);
        var third = await client.CreateWorkerAsync("rt-1", cancellationToken: Ct);
        var all = new List<string>();
        await foreach (var w in client.ReadWorkersAsync("rt-1", pageSize: 1, cancellationToken: Ct)) all.Add(w.WorkerId);
        Assert.Equal([worker.WorkerId, second.WorkerId, third.WorkerId], all);

        var noKey = await Assert.ThrowsAsync<YoiApiException>(() => Resolve(host.BaseUri, null).ListRuntimesAsync(Ct));
        Assert.Equal((401, "unauthorized"), (noKey.Status, noKey.Code));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("ftp://example.test/")]
    public void AddYoiClient_without_an_http_base_address_fails_validation(string? address)
    {
        var services = new ServiceCollection();
        services.AddYoiClient(o => o.BaseAddress = address is null ? null : new Uri(address));
        var error = Assert.Throws<OptionsValidationException>(() => services.BuildServiceProvider().GetRequiredService<YoiClient>());
        Assert.Contains("BaseAddress", error.Message);
    }

    [Fact]
    public async Task RuntimeObserver_starts_from_a_snapshot_of_the_workers_and_keeps_them_current()
    {
        await using var host = await StartEmbeddedAsync();
        var client = Resolve(host.BaseUri, OperatorKey);
        var first = await client.CreateWorkerAsync("rt-1", cancellationToken: Ct);
        var observer = client.ObserveRuntime("rt-1");
        await using var frames = observer.GetAsyncEnumerator(Ct);

        Assert.True(await frames.MoveNextAsync());
        var snapshot = Assert.IsType<RuntimeSnapshotFrame>(frames.Current);
        Assert.Contains(snapshot.Snapshot.Workers, w => w.WorkerId == first.WorkerId);
        Assert.Equal(snapshot.Cursor, observer.LastCursor);
        Assert.Equal(WorkerStatuses.Idle, observer.Workers[first.WorkerId].Status);

        var second = await client.CreateWorkerAsync("rt-1", cancellationToken: Ct);
        await client.StopAsync("rt-1", second.WorkerId, Ct);
        while (!observer.Workers.TryGetValue(second.WorkerId, out var w) || w.Status != WorkerStatuses.Stopped)
        {
            Assert.True(await frames.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30), Ct));
            var e = Assert.IsType<EventFrame>(frames.Current);
            Assert.True(e.Cursor > snapshot.Cursor);
        }
        Assert.Equal(WorkerStatuses.Idle, observer.Workers[first.WorkerId].Status);
    }

    [Fact]
    public async Task An_observer_enumerated_a_second_time_throws_instead_of_starting_over()
    {
        await using var host = await StartEmbeddedAsync();
        var client = Resolve(host.BaseUri, OperatorKey);
        var worker = await client.CreateWorkerAsync("rt-1", cancellationToken: Ct);
        var observer = client.ObserveWorker("rt-1", worker.WorkerId);
        await foreach (var frame in observer.WithCancellation(Ct))
        {
            Assert.IsType<SnapshotFrame>(frame);
            break;
        }
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var _ in observer.ReadAllAsync(Ct)) { }
        });
        Assert.Contains("LastCursor", error.Message);
    }

    [Fact]
    public async Task Typed_plugin_models_read_the_runtime_plugin_status_through_the_backend()
    {
        await using var runtime = await FakeRuntime.StartAsync();
        var (host, _) = await BackendHost.StartWithRedisAsync(redis, runtime);
        await using var _ = host;
        var expected = FakeRuntime.SamplePlugin;

        var plugin = Assert.Single((await host.Client().ListPluginsAsync("rt-1", Ct)).Plugins);
        Assert.Equal((expected.Id, expected.Version, expected.Status, expected.Enabled), (plugin.Id, plugin.Version, plugin.Status, plugin.Enabled));
        var connection = Assert.Single(plugin.Connections);
        var source = expected.Connections[0];
        Assert.Equal((source.Target, source.Url, source.State, source.FramesIn, source.FramesOut, source.Reconnects, source.LastFrameAt),
            (connection.Target, connection.Url, connection.State, connection.FramesIn, connection.FramesOut, connection.Reconnects, connection.LastFrameAt));
        Assert.Equal(new Yoi.Protocol.Plugins.IngressStatus(64, 1, 0), plugin.Ingress);
        var diagnostic = Assert.Single(plugin.Diagnostics);
        Assert.Equal((expected.Diagnostics[0].Code, expected.Diagnostics[0].At), (diagnostic.Code, diagnostic.At));
    }
}
