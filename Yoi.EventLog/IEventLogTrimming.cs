using Yoi.Protocol.Cursors;

namespace Yoi.EventLog;

/// <summary>
/// Exact, explicit trimming (<c>XTRIM key MAXLEN n</c>, <c>XTRIM key MINID id</c>), for tests and maintenance.
/// Appends trim on their own (<see cref="StreamRetention"/>); this is for when something must be removed now,
/// exactly. As in Redis, trimming is recorded by <see cref="StreamMetadata.EntriesAdded"/> exceeding
/// <see cref="StreamMetadata.Length"/> and by the first entry moving; <see cref="StreamMetadata.MaxDeletedEntryId"/>
/// is not changed by trimming.
/// </summary>
public interface IEventLogTrimming
{
    /// <summary>Removes the oldest entries until at most <paramref name="maxLength"/> remain; returns how many were removed.</summary>
    ValueTask<long> TrimToLengthAsync(string stream, long maxLength, CancellationToken cancellationToken = default);

    /// <summary>Removes every entry with an ID lower than <paramref name="minId"/>; returns how many were removed.</summary>
    ValueTask<long> TrimBeforeAsync(string stream, StreamCursor minId, CancellationToken cancellationToken = default);
}
