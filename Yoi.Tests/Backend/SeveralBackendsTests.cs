using System.Globalization;
using System.Net.WebSockets;
using Yoi.Client;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Envelopes;
using Yoi.Protocol.Events;
using Yoi.Tests.EventLog.Redis;
using Yoi.Tests.RuntimeService;

namespace Yoi.Tests.Backend;

/// <summary>Two Backend processes on one Redis serve the same runtime; a client moves between them with its cursor.</summary>
public sealed class SeveralBackendsTests(RedisServerFixture redis)
{
    private const string Token = "several-backends-token-0123456789";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Client_that_switches_backends_with_its_cursor_gets_exactly_the_rest()
    {
        var prefix = RedisServerFixture.NewKeyPrefix();
        await using var runtime = await RuntimeServiceProcess.StartAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings__redis"] = redis.ConnectionString,
            ["Runtime__Id"] = "rt-1",
            ["Runtime__Token"] = Token,
            ["Runtime__KeyPrefix"] = prefix,
            ["Runtime__Scripted__DeltaDelayMs"] = "5",
        });
        var backendEnvironment = new Dictionary<string, string>
        {
            ["ConnectionStrings__redis"] = redis.ConnectionString,
            ["Backend__Runtimes__0__Id"] = "rt-1",
            ["Backend__Runtimes__0__Source"] = "remote",
            ["Backend__Runtimes__0__Token"] = Token,
            ["Backend__Runtimes__0__BaseUrl"] = runtime.BaseAddress.ToString(),
            ["Backend__Runtimes__0__KeyPrefix"] = prefix,
        };
        await using var first = await RuntimeServiceProcess.StartAsync(backendEnvironment, project: "Yoi.BackendService");
        await using var second = await RuntimeServiceProcess.StartAsync(backendEnvironment, project: "Yoi.BackendService");
        using var firstHttp = new HttpClient { BaseAddress = first.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var secondHttp = new HttpClient { BaseAddress = second.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var worker = (await new YoiClient(firstHttp).CreateWorkerAsync("rt-1", cancellationToken: Ct)).WorkerId;
        var path = $"api/runtimes/rt-1/workers/{worker}/events/ws";

        // Part of the run from the first Backend (the command goes through the second: both serve the runtime).
        var received = new List<EventFrame>();
        using (var probe = await ConnectAsync(first.BaseAddress, path))
        {
            Assert.IsType<SnapshotFrame>(await probe.NextAsync(TimeSpan.FromSeconds(30)));
            await new YoiClient(secondHttp).SendInputAsync("rt-1", worker, "long 300", Ct);
            while (received.Count(e => e.Payload is TextDeltaEvent) < 100)
                received.Add(Assert.IsType<EventFrame>(await probe.NextAsync(TimeSpan.FromSeconds(30))));
        }
        var last = received[^1].Cursor;

        // The rest from the second Backend, resuming with the last cursor: no snapshot, no gap, no duplicate.
        using (var probe = await ConnectAsync(second.BaseAddress, path + "?cursor=" + last))
        {
            while (received[^1].Payload is not RunEndEvent)
                received.Add(Assert.IsType<EventFrame>(await probe.NextAsync(TimeSpan.FromSeconds(30))));
        }

        for (var i = 1; i < received.Count; i++) Assert.True(received[i].Cursor > received[i - 1].Cursor);
        var words = received.Select(e => e.Payload).OfType<TextDeltaEvent>().Select(d => d.Text.Trim()).ToList();
        Assert.Equal(Enumerable.Range(0, 300).Select(i => "word" + i.ToString(CultureInfo.InvariantCulture)), words);
        // Exactly what the log holds from the first frame to the run's end: the two Backends read the same stream.
        using var runtimeHttp = runtime.NewClient(Token);
        var stored = await RuntimeApi.ReadAllEventsAsync(runtimeHttp, worker, 1000);
        var (from, to) = (received[0].Cursor, received[^1].Cursor);
        Assert.Equal(stored.Where(e => e.Cursor >= from && e.Cursor <= to).Select(e => e.Cursor), received.Select(e => e.Cursor));
    }

    private static async Task<WsProbe> ConnectAsync(Uri backend, string path)
    {
        var socket = new ClientWebSocket();
        var uri = new UriBuilder(new Uri(backend, path)) { Scheme = "ws" }.Uri;
        await socket.ConnectAsync(uri, Ct);
        return new WsProbe(socket) { Record = false };
    }
}
