using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Yoi.BackendService.Projection;
using Yoi.BackendService.Registry;
using Yoi.Protocol.Envelopes;
using Yoi.Protocol.Events;
using Yoi.Protocol.Transcripts;
using Yoi.Tests.EventLog.Redis;

namespace Yoi.Tests.Backend;

/// <summary>
/// The seam's third outcome (docs/protocol.md, the projection seam): a policy whose projection drops events. Dropped events never reach its
/// clients, on the WebSocket (backlog and live) or in REST pages, while clients of other projections get everything.
/// </summary>
public sealed class ProjectionDropTests(RedisServerFixture redis) : IAsyncLifetime
{
    private const string QuietKey = "quiet-key-0123456789";
    private const string OperatorKey = "operator-key-0123456789";
    private FakeRuntime _runtime = null!;
    private BackendHost _host = null!;
    private string _stream = "";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Drops every thinking event, and the thinking parts of snapshots to match.</summary>
    private sealed class WithoutThinking : EventProjection
    {
        public static readonly WithoutThinking Instance = new();
        public override string Name => "without_thinking";

        public override ProjectedEvent ProjectEvent(ReadOnlySpan<byte> payload) =>
            WorkerEventJson.PeekKind(payload) is EventKinds.ThinkingStart or EventKinds.ThinkingDelta or EventKinds.ThinkingDone
                ? ProjectedEvent.Drop
                : ProjectedEvent.Keep;

        public override WorkerSnapshot ProjectSnapshot(WorkerSnapshot snapshot) =>
            new(snapshot.Status, [.. snapshot.Transcript.Select(Strip)], [.. snapshot.InFlight.Select(Strip)]);

        private static TranscriptEntry Strip(TranscriptEntry entry) => entry is AssistantEntry assistant
            ? assistant with { Parts = [.. assistant.Parts.Where(p => p is not ThinkingPart)] }
            : entry;
    }

    /// <summary>Operators see everything; viewers get <see cref="WithoutThinking"/>.</summary>
    private sealed class QuietPolicy : IProjectionPolicy
    {
        public bool CanObserve(ClientIdentity client, string runtimeId, string? workerId) => true;
        public EventProjection Project(ClientIdentity client) =>
            client.Role == ClientRoles.Operator ? EventProjection.PassThrough : WithoutThinking.Instance;
        public bool CanCommand(ClientIdentity client, string runtimeId, string command) => client.Role == ClientRoles.Operator;
    }

    public async ValueTask InitializeAsync()
    {
        _runtime = await FakeRuntime.StartAsync();
        _runtime.AddWorker("w1");
        string prefix;
        (_host, prefix) = await BackendHost.StartWithRedisAsync(redis, _runtime, new Dictionary<string, string?>
        {
            ["Backend:ApiKeys:0:Key"] = QuietKey,
            ["Backend:ApiKeys:0:Role"] = "viewer",
            ["Backend:ApiKeys:1:Key"] = OperatorKey,
            ["Backend:ApiKeys:1:Role"] = "operator",
        }, services: s => s.Replace(ServiceDescriptor.Singleton<IProjectionPolicy, QuietPolicy>()));
        _stream = TestEvents.Keys(prefix).WorkerEvents("w1");
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _runtime.DisposeAsync();
    }

    private static readonly WorkerEvent[] Run =
    [
        new UserMessageEvent("hi"),
        new RunStartEvent("r1"),
        new ThinkingStartEvent(),
        new ThinkingDeltaEvent("private musing"),
        new ThinkingDoneEvent("private musing"),
        new TextDeltaEvent("Hello."),
    ];

    [Fact]
    public async Task Dropped_events_never_reach_the_projection_s_clients_in_backlog_or_live_while_others_get_all()
    {
        var ids = await TestEvents.AppendAsync(_host.Log, _stream, Run);
        using var quiet = await _host.ConnectAsync("api/runtimes/rt-1/workers/w1/events/ws?cursor=0-0", QuietKey);
        using var all = await _host.ConnectAsync("api/runtimes/rt-1/workers/w1/events/ws?cursor=0-0", OperatorKey);

        var kept = new[] { ids[0], ids[1], ids[5] };
        foreach (var cursor in kept) Assert.Equal(cursor, (await quiet.NextAsync<EventFrame>()).Cursor);
        foreach (var cursor in ids) Assert.Equal(cursor, (await all.NextAsync<EventFrame>()).Cursor);

        var live = await TestEvents.AppendAsync(_host.Log, _stream, new ThinkingStartEvent(), new ThinkingDeltaEvent("more"),
            new TextDeltaEvent(" Bye."), new RunEndEvent("r1", RunResults.Finished));
        var quietLive = await quiet.NextAsync<EventFrame>();
        Assert.Equal((live[2], (WorkerEvent)new TextDeltaEvent(" Bye.")), (quietLive.Cursor, quietLive.Payload));
        Assert.Equal(live[3], (await quiet.NextAsync<EventFrame>()).Cursor);
        foreach (var cursor in live) Assert.Equal(cursor, (await all.NextAsync<EventFrame>()).Cursor);
    }

    [Fact]
    public async Task A_snapshot_for_the_projection_hides_what_its_events_hide()
    {
        await TestEvents.AppendAsync(_host.Log, _stream, Run);
        using var quiet = await _host.ConnectAsync("api/runtimes/rt-1/workers/w1/events/ws", QuietKey);
        using var all = await _host.ConnectAsync("api/runtimes/rt-1/workers/w1/events/ws", OperatorKey);

        var quietRun = Assert.IsType<AssistantEntry>(Assert.Single((await quiet.NextAsync<SnapshotFrame>()).Snapshot.InFlight));
        var fullRun = Assert.IsType<AssistantEntry>(Assert.Single((await all.NextAsync<SnapshotFrame>()).Snapshot.InFlight));
        Assert.Equal("", quietRun.Thinking);
        Assert.Equal("private musing", fullRun.Thinking);
        Assert.Equal(fullRun.Text, quietRun.Text);
    }

    [Fact]
    public async Task Rest_pages_leave_dropped_events_out_and_next_cursor_moves_past_them()
    {
        var ids = await TestEvents.AppendAsync(_host.Log, _stream, Run);
        var client = _host.Client(QuietKey);

        var first = await client.GetEventsAsync("rt-1", "w1", limit: 4, cancellationToken: Ct);
        Assert.Equal([ids[0], ids[1]], first.Events.Select(e => e.Cursor));
        Assert.Equal(ids[3], first.NextCursor);
        var second = await client.GetEventsAsync("rt-1", "w1", first.NextCursor, 4, Ct);
        Assert.Equal([ids[5]], second.Events.Select(e => e.Cursor));
        Assert.Equal(ids[5], second.NextCursor);
    }
}
