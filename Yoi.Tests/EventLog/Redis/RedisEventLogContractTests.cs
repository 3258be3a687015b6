using StackExchange.Redis;
using Yoi.EventLog;
using Yoi.EventLog.Redis;

namespace Yoi.Tests.EventLog.Redis;

/// <summary>The event-log contract against a real redis-server.</summary>
public sealed class RedisEventLogContractTests(RedisServerFixture redis) : EventLogContractTests
{
    private readonly string _prefix = RedisServerFixture.NewKeyPrefix();
    private readonly RedisEventLog _log = new(redis.Multiplexer);

    protected override IEventLog Log => _log;

    protected override string NewStream(string name = "s") => $"{_prefix}{name}:{Guid.NewGuid():N}";
}
