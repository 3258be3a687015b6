using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using Yoi.EventLog;
using Yoi.Protocol.Envelopes;
using Yoi.Protocol.Events;
using Yoi.Tests.Backend;

namespace Yoi.Tests.Telemetry;

/// <summary>Span names stay low-cardinality (OpenTelemetry conventions): templates in names, concrete ids in attributes.</summary>
public sealed class SpanNamingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("yoi:rt-1:w:w-abc:events", "{prefix}{runtime_id}:w:{worker_id}:events", "rt-1", "w-abc")]
    [InlineData("yoi:{rt-1}:w:w-abc:events", "{prefix}{runtime_id}:w:{worker_id}:events", "rt-1", "w-abc")]
    [InlineData("yoi:{rt-1}:events", "{prefix}{runtime_id}:events", "rt-1", null)]
    [InlineData("test:7f3e:rt-2:w:w_9:events", "{prefix}{runtime_id}:w:{worker_id}:events", "rt-2", "w_9")]
    [InlineData("yoi:rt-1:events", "{prefix}{runtime_id}:events", "rt-1", null)]
    [InlineData("p:q:rt-3:events", "{prefix}{runtime_id}:events", "rt-3", null)]
    [InlineData("scratch-stream", "scratch-stream", null, null)]
    [InlineData("yoi:rt-1:w::events", "{prefix}{runtime_id}:events", "", null)]
    [InlineData(":events", ":events", null, null)]
    public void A_stream_key_is_named_by_its_template_with_the_ids_apart(string key, string template, string? runtimeId, string? workerId)
    {
        var destination = EventLogTelemetry.Destination.Of(key);
        // "yoi:rt-1:w::events" has an empty worker id (never produced): it must not pass as a worker stream.
        if (runtimeId == "") Assert.NotEqual(EventLogTelemetry.WorkerStreamTemplate, destination.Template);
        else Assert.Equal(new EventLogTelemetry.Destination(template, runtimeId, workerId), destination);
    }

    [Fact]
    public async Task The_websocket_request_span_ends_at_the_upgrade_named_by_its_route_while_the_connection_stays_open()
    {
        using var recorder = new SpanRecorder("Microsoft.AspNetCore");
        var stopped = recorder.Stopped;
        await using var host = await BackendHost.StartAsync(new Dictionary<string, string?>
        {
            ["Backend:Runtimes:0:Id"] = "rt-1",
            ["Backend:Runtimes:0:Source"] = "embedded",
            ["Backend:Runtimes:0:Runtime:Scripted:DeltaDelayMs"] = "1",
        });
        var client = host.Client();
        var worker = await client.CreateWorkerAsync("rt-1", cancellationToken: Ct);
        var path = $"/api/runtimes/rt-1/workers/{worker.WorkerId}/events/ws";
        using var ws = await host.ConnectAsync(path.TrimStart('/'));
        await ws.NextAsync<SnapshotFrame>();

        var span = await Eventually.FoundAsync(() => stopped.FirstOrDefault(a => (string?)a.GetTagItem("url.path") == path), $"the span of {path} to end");
        Assert.Equal("GET /api/runtimes/{rid}/workers/{wid}/events/ws", span.DisplayName);
        Assert.Equal("/api/runtimes/{rid}/workers/{wid}/events/ws", span.GetTagItem("http.route"));
        Assert.Equal(101, span.GetTagItem("http.response.status_code"));
        Assert.Equal(WebSocketState.Open, ws.Socket.State);

        // The session goes on outside that span: a run is still observed live on the same connection.
        await client.SendInputAsync("rt-1", worker.WorkerId, "hello", Ct);
        while (await ws.NextAsync() is { } frame)
            if (frame is EventFrame { Payload: RunEndEvent }) break;
        Assert.Equal(WebSocketState.Open, ws.Socket.State);
        Assert.Single(stopped, a => (string?)a.GetTagItem("url.path") == path);
    }

    [Fact]
    public async Task A_rest_request_span_is_named_by_method_and_route()
    {
        using var recorder = new SpanRecorder("Microsoft.AspNetCore");
        var stopped = recorder.Stopped;
        await using var host = await BackendHost.StartAsync(new Dictionary<string, string?>
        {
            ["Backend:Runtimes:0:Id"] = "rt-1",
            ["Backend:Runtimes:0:Source"] = "embedded",
        });
        var worker = await host.Client().CreateWorkerAsync("rt-1", cancellationToken: Ct);
        using var http = host.Http();
        using var response = await http.GetAsync($"api/runtimes/rt-1/workers/{worker.WorkerId}/transcript", Ct);
        Assert.True(response.IsSuccessStatusCode);

        var path = $"/api/runtimes/rt-1/workers/{worker.WorkerId}/transcript";
        var span = await Eventually.FoundAsync(() => stopped.FirstOrDefault(a => (string?)a.GetTagItem("url.path") == path), $"the span of {path} to end");
        Assert.Equal("GET /api/runtimes/{rid}/workers/{wid}/transcript", span.DisplayName);
        Assert.Equal(ActivityKind.Server, span.Kind);
    }
}
