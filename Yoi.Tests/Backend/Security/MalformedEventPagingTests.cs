using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Yoi.EventLog;
using Yoi.Protocol;
using Yoi.Protocol.Events;
using Yoi.Runtime.Workers;
using Yoi.Tests.EventLog.Redis;
using Yoi.Tests.RuntimeService;

namespace Yoi.Tests.Backend.Security;

/// <summary>
/// Entries in the log that are not events (not JSON, not an object, no payload field) are paged as
/// <c>malformed_event</c> diagnostics at their cursor by both services, so paging always gets past them.
/// </summary>
public sealed class MalformedEventPagingTests(RedisServerFixture redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly byte[][] Junk = ["not json"u8.ToArray(), "[1,2]"u8.ToArray(), "{\"event\":"u8.ToArray(), [], [0xff, 0xfe]];

    [Fact]
    public async Task Backend_pages_bad_entries_as_malformed_event_and_pages_on()
    {
        await using var runtime = await FakeRuntime.StartAsync();
        runtime.AddWorker("w1");
        var (host, prefix) = await BackendHost.StartWithRedisAsync(redis, runtime);
        await using var _ = host;
        var stream = TestEvents.Keys(prefix).WorkerEvents("w1");
        await TestEvents.AppendAsync(host.Log, stream, new TextDeltaEvent("a"));
        foreach (var junk in Junk) await host.Log.AppendAsync(stream, junk, StreamRetention.Unbounded, Ct);
        await RedisCliAsync(redis.Server.Port, "XADD", stream, "*", "not_payload", "x"); // an entry with no payload field
        await TestEvents.AppendAsync(host.Log, stream, new TextDeltaEvent("b"));

        using var http = host.Http();
        var kinds = await PageAllAsync(http, "api/runtimes/rt-1/workers/w1/events", limit: 2);
        Assert.Equal(["text_delta", .. Enumerable.Repeat("malformed_event", Junk.Length + 1), "text_delta"], kinds);
    }

    [Fact]
    public async Task Runtime_service_pages_bad_entries_as_malformed_event_and_pages_on()
    {
        await using var host = await RuntimeServiceHost.StartAsync();
        var worker = await RuntimeApi.CreateWorkerAsync(host.Client);
        var runtime = host.Services.GetRequiredService<WorkerRuntime>();
        var log = host.Services.GetRequiredService<IEventLog>();
        var stream = runtime.Keys.WorkerEvents(worker.WorkerId);
        foreach (var junk in Junk) await log.AppendAsync(stream, junk, StreamRetention.Unbounded, Ct);

        var kinds = await PageAllAsync(host.Client, $"/v1/workers/{worker.WorkerId}/events", limit: 2);
        Assert.Equal(Junk.Length, kinds.Count(k => k == "malformed_event"));
        Assert.Equal("malformed_event", kinds[^1]);
    }

    /// <summary>Each event's kind (the diagnostic's code for diagnostics), following <c>next_cursor</c> to the end.</summary>
    private static async Task<List<string>> PageAllAsync(HttpClient http, string path, int limit)
    {
        var kinds = new List<string>();
        string? after = null;
        for (var pages = 0; pages < 100; pages++)
        {
            using var response = await http.GetAsync($"{path}?limit={limit}" + (after is null ? "" : "&after=" + after), Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var page = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
            var events = page.RootElement.GetProperty("events");
            if (events.GetArrayLength() == 0) return kinds;
            foreach (var frame in events.EnumerateArray())
            {
                var payload = frame.GetProperty("payload");
                var kind = payload.GetProperty("event").GetString()!;
                kinds.Add(kind == "diagnostic" ? payload.GetProperty("data").GetProperty("code").GetString()! : kind);
            }
            after = page.RootElement.GetProperty("next_cursor").GetString();
        }
        throw new Xunit.Sdk.XunitException("Paging did not end.");
    }

    internal static async Task RedisCliAsync(int port, params string[] args)
    {
        var start = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["-h", "127.0.0.1", "-p", port.ToString(), .. args]) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        Assert.True(process.ExitCode == 0 && !output.StartsWith("ERR", StringComparison.Ordinal), output);
    }
}
