using System.Text.Json;
using Yoi.Protocol;
using Yoi.Protocol.Events;
using Yoi.Tests.Backend;
using Yoi.Tests.Console;
using Yoi.Tests.EventLog.Redis;

namespace Yoi.Tests.AgUi;

/// <summary>A browser's own <c>EventSource</c> (Chromium) on the AG-UI stream: it reconnects by itself and loses nothing.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class AgUiEventSourceTests(ChromiumFixture chromium, RedisServerFixture redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_browser_EventSource_reconnects_by_itself_across_a_backend_restart_with_every_event_exactly_once()
    {
        await using var runtime = await FakeRuntime.StartAsync();
        runtime.AddWorker("w1");
        var prefix = RedisServerFixture.NewKeyPrefix();
        var port = RedisServerProcess.FreePort();
        var settings = BackendHost.RemoteRuntimeSettings(redis.ConnectionString, runtime, prefix);
        var stream = TestEvents.Keys(prefix).WorkerEvents("w1");
        var log = new Yoi.EventLog.Redis.RedisEventLog(redis.Multiplexer); // appends while no backend runs
        var backend = await BackendHost.StartAsync(settings, port);
        try
        {
            await TestEvents.AppendAsync(log, stream, new UserMessageEvent("go"), new RunStartEvent("r1"));
            var page = await chromium.NewPageAsync(backend.BaseUri);
            await page.GotoAsync("/");
            await page.EvaluateAsync("""
                () => {
                  window.__agui = { events: [], opens: 0 };
                  const source = new EventSource("/api/runtimes/rt-1/workers/w1/agui/events");
                  source.onopen = () => window.__agui.opens++;
                  source.onerror = (e) => { window.__agui.errors = (window.__agui.errors || 0) + 1; window.__agui.state = source.readyState; };
                  source.onmessage = (m) => window.__agui.events.push({ id: m.lastEventId, event: JSON.parse(m.data) });
                }
                """);
            await WaitForAsync(page, "() => window.__agui.events.some(e => e.event.type === 'MESSAGES_SNAPSHOT')");
            await TestEvents.AppendAsync(log, stream, [.. Enumerable.Range(0, 10).Select(i => (WorkerEvent)new TextDeltaEvent($"d{i} "))]);
            await WaitForAsync(page, "() => window.__agui.events.some(e => e.event.delta === 'd9 ')");

            await backend.DisposeAsync(); // the stream ends; the browser retries while no backend answers
            await TestEvents.AppendAsync(log, stream,
                [.. Enumerable.Range(10, 10).Select(i => (WorkerEvent)new TextDeltaEvent($"d{i} ")), new RunEndEvent("r1", RunResults.Finished)]);
            backend = await BackendHost.StartAsync(settings, port);
            await WaitForAsync(page, "() => window.__agui.events.some(e => e.event.type === 'RUN_FINISHED')");

            var received = JsonDocument.Parse(await page.EvaluateAsync<string>("() => JSON.stringify(window.__agui)")).RootElement;
            Assert.True(received.GetProperty("opens").GetInt32() >= 2);
            var events = received.GetProperty("events").EnumerateArray().ToList();
            var deltas = events.Where(e => e.GetProperty("event").GetProperty("type").GetString() == "TEXT_MESSAGE_CONTENT")
                .Select(e => e.GetProperty("event").GetProperty("delta").GetString()).ToList();
            Assert.Equal(Enumerable.Range(0, 20).Select(i => $"d{i} "), deltas);
            Assert.Equal("RUN_FINISHED", events[^1].GetProperty("event").GetProperty("type").GetString());
            Assert.Single(events, e => e.GetProperty("event").GetProperty("type").GetString() == "TEXT_MESSAGE_START");
        }
        finally
        {
            await backend.DisposeAsync();
        }
    }

    /// <summary>Waits until the page's condition holds; a failure shows what the page received.</summary>
    private static async Task WaitForAsync(Microsoft.Playwright.IPage page, string condition)
    {
        var received = "";
        await Eventually.TrueAsync(async () =>
        {
            if (await page.EvaluateAsync<bool>(condition)) return true;
            received = await page.EvaluateAsync<string>("() => JSON.stringify(window.__agui)");
            return false;
        }, condition, ChromiumFixture.Timeout, () => received);
    }
}
