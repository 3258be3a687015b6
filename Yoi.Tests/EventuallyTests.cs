namespace Yoi.Tests;

public sealed class EventuallyTests
{
    [Fact]
    public async Task A_value_that_comes_to_hold_is_returned()
    {
        var reads = 0;
        Assert.Equal(3, await Eventually.ValueAsync(() => ++reads, n => n == 3, "the third read"));
    }

    [Fact]
    public async Task A_condition_that_never_holds_fails_naming_what_was_awaited_and_the_last_value_seen()
    {
        var reads = 0;
        var failure = await Assert.ThrowsAsync<Xunit.Sdk.FailException>(() =>
            Eventually.ValueAsync(() => ++reads, n => n < 0, "a negative count", TimeSpan.FromMilliseconds(100)));
        Assert.Contains("a negative count", failure.Message);
        Assert.EndsWith($"Last observed: {reads}", failure.Message);
    }

    [Fact]
    public async Task A_list_is_described_by_its_count_and_last_items()
    {
        var failure = await Assert.ThrowsAsync<Xunit.Sdk.FailException>(() =>
            Eventually.ValueAsync(() => Enumerable.Range(1, 25).ToList(), l => l.Count == 0, "an empty list", TimeSpan.FromMilliseconds(50)));
        Assert.EndsWith("Last observed: 25 items, the last 20: [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25]", failure.Message);
    }

    [Fact]
    public async Task An_attempt_that_throws_is_retried_until_it_returns_an_accepted_value()
    {
        var attempts = 0;
        var value = await Eventually.SucceedsAsync(() => ++attempts < 3 ? throw new InvalidOperationException("down") : Task.FromResult(attempts),
            "the third attempt", n => n >= 3);
        Assert.Equal(3, value);
    }

    [Fact]
    public async Task An_attempt_that_keeps_throwing_fails_naming_its_last_exception()
    {
        var failure = await Assert.ThrowsAsync<Xunit.Sdk.FailException>(() =>
            Eventually.SucceedsAsync<int>(() => throw new InvalidOperationException("still down"), "an answer", within: TimeSpan.FromMilliseconds(100)));
        Assert.Contains("an answer", failure.Message);
        Assert.EndsWith("Last observed: InvalidOperationException: still down", failure.Message);
    }
}
