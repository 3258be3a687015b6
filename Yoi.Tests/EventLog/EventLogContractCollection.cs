namespace Yoi.Tests.EventLog;

/// <summary>
/// The event-log contract suites run alone, after the parallel tests: their trace-context tests listen to the
/// global <c>Yoi.EventLog</c> activity source, and a listener elsewhere would put a span on every append.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EventLogContractCollection
{
    public const string Name = "Event-log contract";
}
