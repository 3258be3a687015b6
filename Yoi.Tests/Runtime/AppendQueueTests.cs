using System.Threading.Channels;
using Yoi.Runtime.Streams;

namespace Yoi.Tests.Runtime;

/// <summary>The appender's queue: bounded, in order, writers woken once it has drained to half.</summary>
public sealed class AppendQueueTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Items_come_out_in_the_order_they_went_in_in_batches_of_at_most_the_asked_size()
    {
        var queue = new AppendQueue<int>(64);
        for (var i = 0; i < 10; i++) await queue.WriteAsync(i);

        var batch = new List<int>();
        Assert.True(await queue.WaitToReadAsync());
        Assert.Equal(4, queue.DequeueInto(batch, 4));
        Assert.Equal(6, queue.DequeueInto(batch, 100));
        Assert.Equal(Enumerable.Range(0, 10), batch);
        Assert.Equal(0, queue.DequeueInto(batch, 100));
    }

    [Fact]
    public async Task A_waiting_reader_is_woken_by_the_next_write()
    {
        var queue = new AppendQueue<int>(4);
        var waiting = queue.WaitToReadAsync().AsTask();
        Assert.False(waiting.IsCompleted);
        await queue.WriteAsync(7);
        Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(10), Ct));
    }

    [Fact]
    public async Task A_writer_that_finds_the_queue_full_waits_until_it_has_drained_to_half()
    {
        var queue = new AppendQueue<int>(8);
        for (var i = 0; i < 8; i++) Assert.True(queue.WriteAsync(i).IsCompletedSuccessfully);
        var blocked = queue.WriteAsync(8).AsTask();
        Assert.False(blocked.IsCompleted);

        var batch = new List<int>();
        queue.DequeueInto(batch, 3); // 5 left: above half, the writer keeps waiting
        Assert.False(blocked.IsCompleted);
        // A new writer does not overtake the one waiting while the queue has not drained to half.
        var later = queue.WriteAsync(9).AsTask();
        Assert.False(later.IsCompleted);

        queue.DequeueInto(batch, 1); // 4 left: half
        await Task.WhenAll(blocked, later).WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(6, queue.Count);
        queue.DequeueInto(batch, 100);
        Assert.Equal(Enumerable.Range(0, 8), batch.Take(8));
        Assert.Equal([8, 9], batch.Skip(8).Order());
    }

    [Fact]
    public async Task Completing_fails_waiting_and_later_writers_and_leaves_what_is_queued_to_the_reader()
    {
        var queue = new AppendQueue<int>(2);
        await queue.WriteAsync(1);
        await queue.WriteAsync(2);
        var blocked = queue.WriteAsync(3).AsTask();

        queue.Complete();

        await Assert.ThrowsAsync<ChannelClosedException>(() => blocked.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        await Assert.ThrowsAsync<ChannelClosedException>(() => queue.WriteAsync(4).AsTask());
        var batch = new List<int>();
        Assert.True(await queue.WaitToReadAsync());
        queue.DequeueInto(batch, 10);
        Assert.Equal([1, 2], batch);
        Assert.False(await queue.WaitToReadAsync());
    }

    [Fact]
    public async Task Completing_wakes_a_waiting_reader_with_false()
    {
        var queue = new AppendQueue<int>(4);
        var waiting = queue.WaitToReadAsync().AsTask();
        queue.Complete();
        Assert.False(await waiting.WaitAsync(TimeSpan.FromSeconds(10), Ct));
    }

    [Fact]
    public async Task Many_writers_against_one_reader_lose_and_reorder_nothing_per_writer()
    {
        const int Writers = 8, PerWriter = 5_000;
        var queue = new AppendQueue<(int Writer, int Seq)>(16);
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var s = 0; s < PerWriter; s++) await queue.WriteAsync((w, s));
        })).ToArray();
        var completion = Task.WhenAll(writers).ContinueWith(_ => queue.Complete(), TaskScheduler.Default);

        var next = new int[Writers];
        var batch = new List<(int Writer, int Seq)>();
        while (await queue.WaitToReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30), Ct))
        {
            batch.Clear();
            queue.DequeueInto(batch, 7);
            foreach (var (w, s) in batch) Assert.Equal(next[w]++, s);
        }
        await completion;
        Assert.All(next, n => Assert.Equal(PerWriter, n));
    }

    [Fact]
    public void A_capacity_below_two_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AppendQueue<int>(1));
    }
}
