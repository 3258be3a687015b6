using Yoi.BackendService.AgUi;
using Yoi.Protocol.Events;
using Yoi.Tests.Backend;
using Yoi.Tests.EventLog.Redis;

namespace Yoi.Tests.AgUi;

/// <summary>An AG-UI client that stops reading gets a bounded queue, <c>slow_consumer</c>, and resumes without loss.</summary>
public sealed class AgUiSlowConsumerTests(RedisServerFixture redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_client_that_stops_reading_is_told_slow_consumer_and_resumes_with_every_event_exactly_once()
    {
        await using var runtime = await FakeRuntime.StartAsync();
        runtime.AddWorker("w1");
        var (host, prefix) = await BackendHost.StartWithRedisAsync(redis, runtime, new Dictionary<string, string?>
        {
            ["Backend:Observation:ClientQueueCapacity"] = "20",
        });
        await using var hostLifetime = host;
        var stream = TestEvents.Keys(prefix).WorkerEvents("w1");
        await TestEvents.AppendAsync(host.Log, stream, new UserMessageEvent("go"), new RunStartEvent("r1"), new TextDeltaEvent("first"));
        using var http = new HttpClient { BaseAddress = host.BaseUri, Timeout = Timeout.InfiniteTimeSpan };

        using var response = await AgUiStack.GetEventsAsync(http, "api/runtimes/rt-1/workers/w1/agui/events", null, Ct);
        using var stuck = new SseReader(response);
        var opening = await stuck.ReadUntilAsync(e => e is TextMessageStart); // RUN_STARTED, MESSAGES_SNAPSHOT, the reopened message
        await TestEvents.FloodAsync(host.Log, stream); // 500 deltas of 64 KiB while the client reads nothing
        await TestEvents.AppendAsync(host.Log, stream, new TextDoneEvent("done"), new RunEndEvent("r1", "finished"));

        var first = await stuck.ReadToEndAsync();
        var notice = Assert.IsType<Custom>(first[^1].Event);
        Assert.Equal("slow_consumer", notice.Name);
        Assert.True(first.Count < 500, $"{first.Count} events: the queue never overflowed"); // socket buffers, then the 20 queued

        using var resumedResponse = await AgUiStack.GetEventsAsync(http, "api/runtimes/rt-1/workers/w1/agui/events", first[^1].Id, Ct);
        using var resumed = new SseReader(resumedResponse);
        var rest = await resumed.ReadUntilAsync(e => e is RunFinished);

        var all = opening.Concat(first.SkipLast(1)).Concat(rest).ToList();
        AgUiOrderRules.Check([.. all.Select(e => e.Event)], threadStream: true, seededOpenMessages: []);
        var contents = all.Select(e => e.Event).OfType<TextMessageContent>().ToList();
        Assert.Equal(500, contents.Count); // "first" is in the snapshot; every flooded delta exactly once
        // After the opening (which shares the snapshot's id) every id is a strictly later position.
        var positions = all.Skip(opening.Count).Select(e => AgUiEventId.TryParse(e.Id, out var id, out _) ? id : throw new FormatException(e.Id))
            .Select(id => (id.Cursor, Part: id.Sent == 0 ? int.MaxValue : id.Sent)).ToList();
        Assert.All(positions.Zip(positions.Skip(1)), p => Assert.True(p.First.Cursor < p.Second.Cursor
            || (p.First.Cursor == p.Second.Cursor && p.First.Part < p.Second.Part), $"{p.First} then {p.Second}"));
    }
}
