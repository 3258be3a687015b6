namespace Yoi.Tests.EventLog;

/// <summary>A clock the test sets by hand (timers still run on the real clock).</summary>
internal sealed class ManualTimeProvider(long unixMilliseconds) : TimeProvider
{
    public long UnixMilliseconds { get; set; } = unixMilliseconds;

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(UnixMilliseconds);
}
