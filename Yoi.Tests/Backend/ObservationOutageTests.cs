using Yoi.Protocol;
using Yoi.EventLog;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Envelopes;
using Yoi.Protocol.Events;
using Yoi.Tests.EventLog.Redis;

namespace Yoi.Tests.Backend;

/// <summary>A Redis outage: new connections close 1011 (resumable); connected clients keep going once Redis is back.</summary>
public sealed class ObservationOutageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Redis_restart_new_connections_close_1011_connected_clients_resume_live_delivery()
    {
        await using var server = await RedisServerFixture.StartPrivateServerAsync();
        await using var runtime = await FakeRuntime.StartAsync();
        runtime.AddWorker("w1");
        var (host, prefix) = await BackendHost.StartWithRedisAsync(server.ConnectionString, runtime);
        await using var _ = host;
        var stream = TestEvents.Keys(prefix).WorkerEvents("w1");
        const string Path = "api/runtimes/rt-1/workers/w1/events/ws";
        using var connected = await host.ConnectAsync(Path);
        await connected.NextAsync<SnapshotFrame>();
        var before = await TestEvents.AppendDeltasAsync(host.Log, stream, 1);
        Assert.Equal(before[0], (await connected.NextAsync<EventFrame>()).Cursor);

        await server.StopAsync();
        using (var during = await host.ConnectAsync(Path))
        {
            var frames = await during.ReadToCloseAsync();
            Assert.DoesNotContain(frames, f => f is EventFrame or SnapshotFrame);
            // Said before the close: the log, so retrying later with the cursor is the answer.
            Assert.Equal(DiagnosticCodes.EventLogUnavailable, Assert.IsType<DiagnosticFrame>(Assert.Single(frames)).Code);
            Assert.Equal(1011, during.CloseStatus);
        }

        await server.StartAsync();
        var appended = await Eventually.SucceedsAsync(async () => (await TestEvents.AppendDeltasAsync(host.Log, stream, 1, "after"))[0],
            "an append once Redis is back", poll: TimeSpan.FromMilliseconds(100));
        var frame = await connected.NextAsync<EventFrame>(TimeSpan.FromSeconds(20));
        Assert.Equal(appended, frame.Cursor);
        Assert.Equal(new TextDeltaEvent("after0 "), frame.Payload);
    }
}
