using Yoi.EventLog;
using Yoi.EventLog.Memory;

namespace Yoi.Tests.EventLog;

public sealed class InMemoryEventLogContractTests : EventLogContractTests
{
    private readonly InMemoryEventLog _log = new();

    protected override IEventLog Log => _log;

    protected override string NewStream(string name = "s") => $"test:{name}:{Guid.NewGuid():N}";
}
