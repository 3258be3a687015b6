namespace Yoi.Protocol.Envelopes;

/// <summary>Values of the <c>kind</c> property of observation frames (docs/protocol.md).</summary>
public static class FrameKinds
{
    public const string Event = "event";
    public const string Snapshot = "snapshot";
    public const string Diagnostic = "diagnostic";
}
