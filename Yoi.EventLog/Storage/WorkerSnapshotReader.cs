using Yoi.EventLog;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Events;
using Yoi.Protocol.Transcripts;

namespace Yoi.EventLog.Storage;

/// <summary>
/// Builds a worker's snapshot the one way both the runtime (transcript) and the backend (snapshot frames) do:
/// the stored checkpoint, then the shared <see cref="TranscriptFold"/> over every retained event after it.
/// </summary>
public sealed class WorkerSnapshotReader(IEventLog log, ISnapshotStore store)
{
    private const int PageSize = 1000;

    /// <summary>The snapshot and the cursor it is complete up to (<see cref="StreamCursor.Zero"/> when nothing is stored yet).</summary>
    public async ValueTask<SnapshotCheckpoint> ReadAsync(string eventsKey, string checkpointKey,
        CancellationToken cancellationToken = default)
    {
        var checkpoint = await store.LoadAsync(checkpointKey, cancellationToken);
        var state = checkpoint is null ? new TranscriptState() : TranscriptState.FromSnapshot(checkpoint.Snapshot);
        var cursor = checkpoint?.Cursor ?? StreamCursor.Zero;
        while (true)
        {
            var page = await log.ReadAfterAsync(eventsKey, cursor, PageSize, cancellationToken);
            foreach (var entry in page)
            {
                if (WorkerEventJson.TryDeserialize(entry.Payload.Span, out var workerEvent, out _))
                    TranscriptFold.Apply(state, workerEvent);
                cursor = entry.Cursor;
            }
            if (page.Count < PageSize) break;
        }
        return new SnapshotCheckpoint(cursor, state.ToSnapshot());
    }
}
