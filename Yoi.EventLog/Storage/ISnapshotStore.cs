using Yoi.Protocol.Cursors;
using Yoi.Protocol.Transcripts;

namespace Yoi.EventLog.Storage;

/// <summary>
/// Where a runtime keeps each worker's folded transcript, complete up to a cursor, so a snapshot survives
/// retention: a snapshot is the checkpoint plus the fold of the retained events after its cursor.
/// The runtime writes checkpoints (at run end and every so many events); the backend reads them.
/// </summary>
public interface ISnapshotStore
{
    ValueTask SaveAsync(string key, SnapshotCheckpoint checkpoint, CancellationToken cancellationToken = default);

    /// <summary>The last checkpoint saved under the key, or null.</summary>
    ValueTask<SnapshotCheckpoint?> LoadAsync(string key, CancellationToken cancellationToken = default);

    ValueTask DeleteAsync(string key, CancellationToken cancellationToken = default);
}

/// <summary>A worker's snapshot, complete up to and including <see cref="Cursor"/>.</summary>
public sealed record SnapshotCheckpoint(StreamCursor Cursor, WorkerSnapshot Snapshot);
