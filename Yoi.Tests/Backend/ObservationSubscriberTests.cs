using Yoi.BackendService.Observation;
using Yoi.BackendService.Projection;
using Yoi.Protocol.Cursors;

namespace Yoi.Tests.Backend;

/// <summary>The per-client queue without a server: backlog buffer, going live, the bound (slow consumer) and the one waiting reader.</summary>
public sealed class ObservationSubscriberTests
{
    private static OutgoingFrame Frame(ulong ms) => new(new StreamCursor(ms, 0), new byte[] { (byte)ms });

    private static List<ulong> Drain(ObservationSubscriber subscriber)
    {
        var read = new List<ulong>();
        while (subscriber.TryRead(out var frame)) read.Add(frame.Cursor.Milliseconds);
        return read;
    }

    [Fact]
    public void Going_live_keeps_only_the_buffered_frames_after_the_last_sent_cursor()
    {
        var subscriber = new ObservationSubscriber(EventProjection.PassThrough, 10);
        for (ulong ms = 1; ms <= 5; ms++) subscriber.Deliver(Frame(ms));
        Assert.False(subscriber.TryRead(out _)); // not live yet: nothing to read

        Assert.True(subscriber.TryGoLive(new StreamCursor(3, 0)));
        subscriber.Deliver(Frame(6));

        Assert.Equal([4UL, 5UL, 6UL], Drain(subscriber));
        Assert.False(subscriber.IsSlow);
    }

    [Fact]
    public void A_buffer_overflow_before_live_asks_for_the_backlog_again_then_goes_live()
    {
        var subscriber = new ObservationSubscriber(EventProjection.PassThrough, 3);
        for (ulong ms = 1; ms <= 5; ms++) subscriber.Deliver(Frame(ms));

        Assert.False(subscriber.TryGoLive(new StreamCursor(0, 0)));
        subscriber.Deliver(Frame(6));
        Assert.True(subscriber.TryGoLive(new StreamCursor(5, 0)));

        Assert.Equal([6UL], Drain(subscriber));
        Assert.False(subscriber.IsSlow);
    }

    [Fact]
    public async Task A_full_live_queue_marks_the_client_slow_and_ends_after_what_is_queued()
    {
        var subscriber = new ObservationSubscriber(EventProjection.PassThrough, 3);
        Assert.True(subscriber.TryGoLive(StreamCursor.Zero));
        for (ulong ms = 1; ms <= 5; ms++) subscriber.Deliver(Frame(ms));

        Assert.True(subscriber.IsSlow);
        Assert.True(await subscriber.WaitToReadAsync());
        Assert.Equal([1UL, 2UL, 3UL], Drain(subscriber));
        Assert.False(await subscriber.WaitToReadAsync());
    }

    [Fact]
    public async Task The_waiting_reader_is_woken_by_a_frame_then_by_complete()
    {
        var subscriber = new ObservationSubscriber(EventProjection.Redacted, 8);
        Assert.True(subscriber.TryGoLive(StreamCursor.Zero));

        var wait = subscriber.WaitToReadAsync();
        Assert.False(wait.IsCompleted);
        subscriber.Deliver(Frame(1));
        Assert.True(await wait.AsTask().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Equal([1UL], Drain(subscriber));

        wait = subscriber.WaitToReadAsync();
        Assert.False(wait.IsCompleted);
        subscriber.Complete();
        Assert.False(await wait.AsTask().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));

        subscriber.Deliver(Frame(2)); // after Complete: dropped
        Assert.False(subscriber.TryRead(out _));
        Assert.False(subscriber.IsSlow);
    }
}
