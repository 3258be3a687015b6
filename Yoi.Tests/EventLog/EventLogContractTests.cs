using System.Text;
using Yoi.EventLog;
using Yoi.Protocol.Cursors;

namespace Yoi.Tests.EventLog;

/// <summary>
/// The one contract every <see cref="IEventLog"/> engine passes. Engines subclass it and supply the log;
/// every test uses its own stream names so the suite runs in parallel against one shared server.
/// </summary>
public abstract class EventLogContractTests
{
    protected abstract IEventLog Log { get; }

    /// <summary>A stream key unique to this test.</summary>
    protected abstract string NewStream(string name = "s");

    protected static ReadOnlyMemory<byte> Json(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public async Task Append_then_read_after_zero_returns_entries_in_order()
    {
        var stream = NewStream();
        var a = await Log.AppendAsync(stream, Json("""{"n":1}"""), StreamRetention.Unbounded, TestContext.Current.CancellationToken);
        var b = await Log.AppendAsync(stream, Json("""{"n":2}"""), StreamRetention.Unbounded, TestContext.Current.CancellationToken);
        Assert.True(b > a);
        var entries = await Log.ReadAfterAsync(stream, StreamCursor.Zero, 10, TestContext.Current.CancellationToken);
        Assert.Equal([a, b], entries.Select(e => e.Cursor));
        Assert.Equal("""{"n":2}""", Encoding.UTF8.GetString(entries[1].Payload.Span));
    }
}
