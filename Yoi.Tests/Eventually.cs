using System.Diagnostics;

namespace Yoi.Tests;

/// <summary>
/// Waits for observable state with a deadline: polls until a condition holds, and fails with what was awaited and the
/// last value observed when it does not hold in time. The one way the tests wait; never sleep and hope.
/// </summary>
internal static class Eventually
{
    /// <summary>How long a wait lasts unless the caller says otherwise: generous, because the machine may be loaded.</summary>
    public static readonly TimeSpan DefaultWithin = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan DefaultPoll = TimeSpan.FromMilliseconds(20);

    /// <summary>Polls <paramref name="condition"/> until it holds.</summary>
    public static Task TrueAsync(Func<bool> condition, string what, TimeSpan? within = null, Func<string>? observed = null) =>
        TrueAsync(() => Task.FromResult(condition()), what, within, observed);

    /// <summary>Polls <paramref name="condition"/> until it holds; <paramref name="observed"/> describes the state for the failure message.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null, Func<string>? observed = null) =>
        await ValueAsync(condition, held => held, what, within, describe: _ => observed?.Invoke() ?? "the condition was false");

    /// <summary>Polls <paramref name="read"/> until <paramref name="done"/> holds for its value, and returns that value.</summary>
    public static Task<T> ValueAsync<T>(Func<T> read, Func<T, bool> done, string what, TimeSpan? within = null, TimeSpan? poll = null,
        Func<T, string>? describe = null) =>
        ValueAsync(() => Task.FromResult(read()), done, what, within, poll, describe);

    /// <summary>Polls <paramref name="read"/> until <paramref name="done"/> holds for its value, and returns that value.</summary>
    public static async Task<T> ValueAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what, TimeSpan? within = null,
        TimeSpan? poll = null, Func<T, string>? describe = null)
    {
        var limit = within ?? DefaultWithin;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var value = await read();
            if (done(value)) return value;
            if (clock.Elapsed > limit)
                Assert.Fail($"Not within {limit.TotalSeconds:0.#} s: {what}. Last observed: {(describe is null ? Describe(value) : describe(value))}");
            await Task.Delay(poll ?? DefaultPoll, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>
    /// Retries <paramref name="attempt"/> until it returns a value <paramref name="done"/> accepts (any value when null).
    /// An attempt that throws (Redis still down, say) counts as not yet; the failure message names its exception.
    /// </summary>
    public static async Task<T> SucceedsAsync<T>(Func<Task<T>> attempt, string what, Func<T, bool>? done = null, TimeSpan? within = null,
        TimeSpan? poll = null, Func<T, string>? describe = null)
    {
        Exception? failed = null;
        var (_, value) = await ValueAsync<(bool Ok, T? Value)>(async () =>
            {
                try
                {
                    var value = await attempt();
                    failed = null;
                    return (true, value);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    failed = ex;
                    return (false, default);
                }
            }, result => result.Ok && (done is null || done(result.Value!)), what, within, poll,
            result => failed is not null ? $"{failed.GetType().Name}: {failed.Message}"
                : describe is null ? Describe(result.Value) : describe(result.Value!));
        return value!;
    }

    /// <summary>Polls <paramref name="find"/> until it finds something, and returns it.</summary>
    public static async Task<T> FoundAsync<T>(Func<T?> find, string what, TimeSpan? within = null) where T : class =>
        (await ValueAsync(find, found => found is not null, what, within, describe: _ => "nothing found"))!;

    private static string Describe<T>(T value) => value switch
    {
        null => "null",
        string text => $"\"{text}\"",
        System.Collections.IEnumerable items => items.Cast<object?>().ToList() is var all && all.Count > 20
            ? $"{all.Count} items, the last 20: [{string.Join(", ", all.TakeLast(20))}]"
            : $"[{string.Join(", ", all)}]",
        _ => value.ToString() ?? "",
    };
}
