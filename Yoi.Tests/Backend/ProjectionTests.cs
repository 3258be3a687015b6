using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Yoi.BackendService.Projection;
using Yoi.Client;
using Yoi.Protocol;
using Yoi.Protocol.Envelopes;
using Yoi.Protocol.Events;
using Yoi.Protocol.Transcripts;
using Yoi.Tests.EventLog.Redis;

namespace Yoi.Tests.Backend;

/// <summary>API keys and roles (docs/security.md) on REST and WebSocket: viewer redacted and without commands, operator everything.</summary>
public sealed class ProjectionTests(RedisServerFixture redis) : IAsyncLifetime
{
    private const string ViewerKey = "viewer-key-0123456789";
    private const string OperatorKey = "operator-key-0123456789";
    private FakeRuntime _runtime = null!;
    private BackendHost _host = null!;
    private string _prefix = "";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _runtime = await FakeRuntime.StartAsync();
        _runtime.AddWorker("w1");
        (_host, _prefix) = await BackendHost.StartWithRedisAsync(redis, _runtime, new Dictionary<string, string?>
        {
            ["Backend:ApiKeys:0:Key"] = ViewerKey,
            ["Backend:ApiKeys:0:Role"] = "viewer",
            ["Backend:ApiKeys:1:Key"] = OperatorKey,
            ["Backend:ApiKeys:1:Role"] = "operator",
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _runtime.DisposeAsync();
    }

    private static readonly WorkerEvent[] Sensitive =
    [
        new UserMessageEvent("what time is it"),
        new RunStartEvent("r1"),
        new ThinkingStartEvent(),
        new ThinkingDeltaEvent("secret plan"),
        new ThinkingDoneEvent("secret plan"),
        new ToolCallStartEvent("c1", "clock"),
        new ToolCallArgsDeltaEvent("c1", """{"tz":"private"}"""),
        new ToolCallDoneEvent("c1", "clock", """{"tz":"private"}"""),
        new ToolResultEvent("c1", "private output", false),
        new TextDeltaEvent("It is noon."),
    ];

    private static void AssertRedacted(IReadOnlyList<WorkerEvent> events)
    {
        Assert.Equal(Sensitive.Length, events.Count);
        Assert.Equal(new ThinkingDeltaEvent(EventRedactor.Marker), events[3]);
        Assert.Equal(new ThinkingDoneEvent(EventRedactor.Marker), events[4]);
        Assert.Equal(new ToolCallArgsDeltaEvent("c1", EventRedactor.Marker), events[6]);
        Assert.Equal(new ToolCallDoneEvent("c1", "clock", EventRedactor.Marker), events[7]);
        Assert.Equal(new ToolResultEvent("c1", EventRedactor.Marker, false), events[8]);
        Assert.Equal(Sensitive[9], events[9]);
        Assert.Equal(Sensitive[0], events[0]);
    }

    [Fact]
    public async Task Rest_unknown_or_missing_key_is_401()
    {
        foreach (var key in new string?[] { null, "wrong-key-0000000000" })
        {
            var error = await Assert.ThrowsAsync<YoiApiException>(() => _host.Client(key).ListRuntimesAsync(Ct));
            Assert.Equal((401, "unauthorized"), (error.Status, error.Code));
        }
    }

    [Fact]
    public async Task Rest_viewer_observes_redacted_and_may_send_no_command()
    {
        var ids = await TestEvents.AppendAsync(_host.Log, TestEvents.Keys(_prefix).WorkerEvents("w1"), Sensitive);
        var viewer = _host.Client(ViewerKey);
        Assert.Single((await viewer.ListRuntimesAsync(Ct)).Runtimes);
        Assert.Equal("w1", (await viewer.GetWorkerAsync("rt-1", "w1", Ct)).WorkerId);
        var page = await viewer.GetEventsAsync("rt-1", "w1", cancellationToken: Ct);
        Assert.Equal(ids, page.Events.Select(e => e.Cursor));
        AssertRedacted(page.Events.Select(e => e.Payload).ToList());

        foreach (var command in new Func<Task>[]
        {
            () => viewer.SendInputAsync("rt-1", "w1", "hi", Ct),
            () => viewer.CancelAsync("rt-1", "w1", Ct),
            () => viewer.StopAsync("rt-1", "w1", Ct),
            () => viewer.CreateWorkerAsync("rt-1", cancellationToken: Ct),
        })
        {
            var error = await Assert.ThrowsAsync<YoiApiException>(command);
            Assert.Equal((403, "forbidden", "rt-1"), (error.Status, error.Code, error.RuntimeId));
        }
        Assert.DoesNotContain(_runtime.Requests, r => r.StartsWith("POST", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rest_operator_may_do_everything_with_events_unchanged()
    {
        await TestEvents.AppendAsync(_host.Log, TestEvents.Keys(_prefix).WorkerEvents("w1"), Sensitive);
        var op = _host.Client(OperatorKey);
        Assert.Equal("run-1", (await op.SendInputAsync("rt-1", "w1", "hi", Ct)).RunId);
        Assert.NotNull(await op.CreateWorkerAsync("rt-1", cancellationToken: Ct));
        var page = await op.GetEventsAsync("rt-1", "w1", cancellationToken: Ct);
        Assert.Equal(Sensitive, page.Events.Select(e => e.Payload));
    }

    [Fact]
    public async Task Websocket_viewer_and_operator_on_one_worker_each_get_their_projection()
    {
        var stream = TestEvents.Keys(_prefix).WorkerEvents("w1");
        await TestEvents.AppendAsync(_host.Log, stream, Sensitive[..5]);
        var viewerSocket = new System.Net.WebSockets.ClientWebSocket();
        await viewerSocket.ConnectAsync(_host.WsUri($"api/runtimes/rt-1/workers/w1/events/ws?access_token={ViewerKey}"), Ct);
        using var viewer = new WsProbe(viewerSocket);
        using var op = await _host.ConnectAsync("api/runtimes/rt-1/workers/w1/events/ws", OperatorKey);

        var viewerSnapshot = await viewer.NextAsync<SnapshotFrame>();
        var thinking = Assert.IsType<AssistantEntry>(viewerSnapshot.Snapshot.Transcript.Concat(viewerSnapshot.Snapshot.InFlight).Last());
        Assert.Equal(EventRedactor.Marker, thinking.Thinking);
        var opSnapshot = await op.NextAsync<SnapshotFrame>();
        Assert.Equal("secret plan", Assert.IsType<AssistantEntry>(opSnapshot.Snapshot.Transcript.Concat(opSnapshot.Snapshot.InFlight).Last()).Thinking);

        var live = await TestEvents.AppendAsync(_host.Log, stream, Sensitive[5..]);
        var viewerEvents = new List<EventFrame>();
        var opEvents = new List<EventFrame>();
        for (var i = 0; i < live.Count; i++)
        {
            viewerEvents.Add(await viewer.NextAsync<EventFrame>());
            opEvents.Add(await op.NextAsync<EventFrame>());
        }
        Assert.Equal(live, viewerEvents.Select(e => e.Cursor));
        Assert.Equal(live, opEvents.Select(e => e.Cursor));
        Assert.Equal(
            [new ToolCallStartEvent("c1", "clock"), new ToolCallArgsDeltaEvent("c1", EventRedactor.Marker),
             new ToolCallDoneEvent("c1", "clock", EventRedactor.Marker), new ToolResultEvent("c1", EventRedactor.Marker, false), Sensitive[9]],
            viewerEvents.Select(e => e.Payload));
        Assert.Equal(Sensitive[5..], opEvents.Select(e => e.Payload));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key-0000000000")]
    public async Task Websocket_unknown_or_missing_key_is_forbidden_4403(string? key)
    {
        using var ws = await _host.ConnectAsync("api/runtimes/rt-1/workers/w1/events/ws", key);
        Assert.Equal(DiagnosticCodes.Forbidden, (await ws.NextAsync<DiagnosticFrame>()).Code);
        Assert.Null(await ws.NextAsync());
        Assert.Equal(4403, ws.CloseStatus);
    }
}
