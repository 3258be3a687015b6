using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Yoi.Client;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Envelopes;

namespace Yoi.Tests.Client;

/// <summary>The resumable observer against a scripted WebSocket server: reconnect rules, cursor resume, no duplicates.</summary>
public sealed class WorkerObserverTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Event(string cursor, string text) =>
        """{"kind":"event","cursor":""" + "\"" + cursor + "\"" +
        ""","runtime_id":"rt-1","worker_id":"w1","payload":{"event":"text_delta","data":{"text":""" + "\"" + text + "\"}}}";

    /// <summary>Connection n (0-based) sends <c>script[n].Frames</c>, then closes with <c>script[n].Close</c>.</summary>
    private static async Task<(WebApplication App, ConcurrentQueue<string> Queries)> StartAsync(params (string[] Frames, int Close)[] script)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.UseWebSockets();
        var queries = new ConcurrentQueue<string>();
        var connection = -1;
        app.Run(async context =>
        {
            var n = Interlocked.Increment(ref connection);
            queries.Enqueue(context.Request.QueryString.Value ?? "");
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var (frames, close) = script[Math.Min(n, script.Length - 1)];
            foreach (var frame in frames)
                await socket.SendAsync(Encoding.UTF8.GetBytes(frame), WebSocketMessageType.Text, true, context.RequestAborted);
            await socket.CloseOutputAsync((WebSocketCloseStatus)close, "scripted", context.RequestAborted);
            var buffer = new byte[64];
            try
            {
                while ((await socket.ReceiveAsync(buffer, context.RequestAborted)).MessageType != WebSocketMessageType.Close) { }
            }
            catch (WebSocketException) { }
        });
        await app.StartAsync();
        return (app, queries);
    }

    [Fact]
    public async Task Reconnects_after_4408_with_the_last_cursor_drops_duplicates_and_stops_after_4404()
    {
        var (app, queries) = await StartAsync(
            (["""{"kind":"snapshot","cursor":"1-0","runtime_id":"rt-1","worker_id":"w1","snapshot":{"status":"idle","transcript":[],"in_flight":[]}}""",
              Event("2-0", "a"), Event("3-0", "b"), """{"kind":"diagnostic","code":"slow_consumer","message":"x"}"""], 4408),
            ([Event("3-0", "b"), Event("4-0", "c"), """{"kind":"diagnostic","code":"worker_not_found","message":"gone"}"""], 4404));
        await using var _ = app;
        var client = new YoiClient(new HttpClient { BaseAddress = new Uri(app.Urls.First()) });
        var observer = client.ObserveWorker("rt-1", "w1");
        var frames = new List<ObservationFrame>();
        await foreach (var frame in observer.ReadAllAsync(Ct)) frames.Add(frame);

        Assert.Equal(["snapshot", "event", "event", "diagnostic", "event", "diagnostic"], frames.Select(f => f.Kind));
        Assert.Equal([StreamCursor.Parse("2-0"), StreamCursor.Parse("3-0"), StreamCursor.Parse("4-0")],
            frames.OfType<EventFrame>().Select(e => e.Cursor));
        Assert.Equal(["", "?cursor=3-0"], queries);
        Assert.Equal((WebSocketCloseStatus)4404, observer.LastCloseStatus);
        Assert.Equal(1, observer.Reconnects);
        Assert.Equal(StreamCursor.Parse("4-0"), observer.LastCursor);
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(1009)]
    [InlineData(4400)]
    [InlineData(4403)]
    public async Task Does_not_reconnect_after_a_close_that_retrying_cannot_fix(int close)
    {
        var (app, queries) = await StartAsync(([Event("5-0", "a")], close));
        await using var _ = app;
        var observer = new YoiClient(new HttpClient { BaseAddress = new Uri(app.Urls.First()) }, "key-0123456789")
            .ObserveWorker("rt-1", "w1", StreamCursor.Parse("4-0"));
        var frames = new List<ObservationFrame>();
        await foreach (var frame in observer.ReadAllAsync(Ct)) frames.Add(frame);
        Assert.Single(frames);
        Assert.Equal(["?cursor=4-0"], queries);
        Assert.Equal(0, observer.Reconnects);
    }

    [Fact]
    public async Task Reconnects_after_1001()
    {
        var (app, queries) = await StartAsync(([Event("5-0", "a")], 1001), ([Event("6-0", "b")], 1000));
        await using var _ = app;
        var observer = new YoiClient(new HttpClient { BaseAddress = new Uri(app.Urls.First()) }).ObserveWorker("rt-1", "w1");
        var cursors = new List<string>();
        await foreach (var frame in observer.ReadAllAsync(Ct)) cursors.Add(((EventFrame)frame).Cursor.ToString());
        Assert.Equal(["5-0", "6-0"], cursors);
        Assert.Equal(["", "?cursor=5-0"], queries);
    }
}
