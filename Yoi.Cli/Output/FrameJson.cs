using System.Buffers;
using System.Text;
using Yoi.Protocol.Envelopes;

namespace Yoi.Cli.Output;

/// <summary>A frame back as one line of JSON, in the wire form (docs/protocol.md), for <c>--json</c>.</summary>
internal static class FrameJson
{
    public static string Format(ObservationFrame frame)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        switch (frame)
        {
            case EventFrame e:
                EnvelopeWriter.WriteEventFrame(buffer, e.Cursor, e.RuntimeId, e.WorkerId, e.RawPayload.Span);
                break;
            case SnapshotFrame s:
                EnvelopeWriter.WriteSnapshotFrame(buffer, s.Cursor, s.RuntimeId, s.WorkerId, s.Snapshot);
                break;
            case RuntimeSnapshotFrame r:
                EnvelopeWriter.WriteRuntimeSnapshotFrame(buffer, r.Cursor, r.RuntimeId, r.Snapshot);
                break;
            case DiagnosticFrame d:
                EnvelopeWriter.WriteDiagnosticFrame(buffer, d.Code, d.Message);
                break;
            case UnknownFrame u:
                return u.Frame.GetRawText();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
