using StackExchange.Redis;
using Yoi.EventLog;
using Yoi.EventLog.Redis;

namespace Yoi.Tests.EventLog.Redis;

/// <summary>
/// The event-log contract against a real redis-server with the dedicated <c>XREAD BLOCK</c> reader switched on, as
/// both services register it: every waiting tail goes through the blocking connection first.
/// </summary>
public sealed class RedisBlockingTailContractTests(RedisServerFixture redis) : EventLogContractTests, IAsyncDisposable
{
    private readonly string _prefix = RedisServerFixture.NewKeyPrefix();
    private readonly RedisEventLog _log = new(redis.Multiplexer, blockingReader: ConfigurationOptions.Parse(redis.ConnectionString));

    protected override IEventLog Log => _log;

    protected override string NewStream(string name = "s") => $"{_prefix}{name}:{Guid.NewGuid():N}";

    public ValueTask DisposeAsync() => _log.DisposeAsync();
}
