namespace Yoi.Protocol.Transcripts;

/// <summary>
/// The fold of a worker's events up to a cursor (the <c>snapshot</c> of an observation frame):
/// <see cref="Status"/> (one of <c>WorkerStatuses</c>), the completed <see cref="Transcript"/>, and
/// <see cref="InFlight"/>: the partial assistant entry of a run that has not ended (empty when idle), so a client
/// joining mid-run sees what has streamed so far. <see cref="TranscriptState.FromSnapshot"/> resumes folding from it.
/// </summary>
public sealed record WorkerSnapshot(string Status, IReadOnlyList<TranscriptEntry> Transcript, IReadOnlyList<TranscriptEntry> InFlight);
