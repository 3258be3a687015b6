using System.Text.Json.Serialization;

namespace Yoi.Protocol.Transcripts;

/// <summary>
/// The answer of <c>GET .../transcript</c>: a worker's <see cref="WorkerSnapshot"/> with the cursor it is complete up
/// to, flat on the wire: <c>{"runtime_id","worker_id","cursor","status","transcript","in_flight"}</c>. A client that
/// read it resumes the WebSocket (<c>?cursor=</c>) or event paging (<c>?after=</c>) from <see cref="Cursor"/>.
/// </summary>
public sealed record WorkerTranscript(string RuntimeId, string WorkerId, string Cursor, string Status,
    IReadOnlyList<TranscriptEntry> Transcript, IReadOnlyList<TranscriptEntry> InFlight)
{
    public static WorkerTranscript From(string runtimeId, string workerId, Cursors.StreamCursor cursor, WorkerSnapshot snapshot) =>
        new(runtimeId, workerId, cursor.ToString(), snapshot.Status, snapshot.Transcript, snapshot.InFlight);

    [JsonIgnore]
    public WorkerSnapshot Snapshot => new(Status, Transcript, InFlight);

    /// <summary>The same transcript with another snapshot (for example a redacted one).</summary>
    public WorkerTranscript WithSnapshot(WorkerSnapshot snapshot) =>
        this with { Status = snapshot.Status, Transcript = snapshot.Transcript, InFlight = snapshot.InFlight };
}
