using System.Text.Json;
using System.Text.Json.Serialization;
using Yoi.Protocol.Events;
using Yoi.Protocol.Transcripts;

namespace Yoi.Protocol;

/// <summary>
/// Source-generated JSON metadata of every wire type (snake_case). Hosts add it to their resolver chain to serialize
/// snapshots and transcripts; <see cref="WorkerEvent"/> carries its own converter.
/// Known fields are required and must not be null unless declared nullable.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    AllowOutOfOrderMetadataProperties = true,
    MaxDepth = WorkerEventJson.MaxDepth)]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(WorkerEvent))]
[JsonSerializable(typeof(UserMessageEvent))]
[JsonSerializable(typeof(TurnStartEvent))]
[JsonSerializable(typeof(TurnEndEvent))]
[JsonSerializable(typeof(TextDeltaEvent))]
[JsonSerializable(typeof(TextDoneEvent))]
[JsonSerializable(typeof(ThinkingStartEvent))]
[JsonSerializable(typeof(ThinkingDeltaEvent))]
[JsonSerializable(typeof(ThinkingDoneEvent))]
[JsonSerializable(typeof(ToolCallStartEvent))]
[JsonSerializable(typeof(ToolCallArgsDeltaEvent))]
[JsonSerializable(typeof(ToolCallDoneEvent))]
[JsonSerializable(typeof(ToolResultEvent))]
[JsonSerializable(typeof(RunStartEvent))]
[JsonSerializable(typeof(RunEndEvent))]
[JsonSerializable(typeof(UsageEvent))]
[JsonSerializable(typeof(ErrorEvent))]
[JsonSerializable(typeof(StatusEvent))]
[JsonSerializable(typeof(WorkerCreatedEvent))]
[JsonSerializable(typeof(WorkerStoppedEvent))]
[JsonSerializable(typeof(DiagnosticEvent))]
[JsonSerializable(typeof(WorkerSnapshot))]
[JsonSerializable(typeof(WorkerTranscript))]
[JsonSerializable(typeof(TranscriptEntry))]
[JsonSerializable(typeof(IReadOnlyList<TranscriptEntry>))]
public sealed partial class ProtocolJsonContext : JsonSerializerContext;
