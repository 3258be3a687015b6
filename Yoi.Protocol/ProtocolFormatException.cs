using System.Text.Json;

namespace Yoi.Protocol;

/// <summary>
/// Bytes that do not form a valid Yoi wire message: not JSON, nesting too deep, a missing or mistyped field.
/// It derives from <see cref="JsonException"/> so hosts that map JSON errors to 400 treat it the same way.
/// </summary>
public sealed class ProtocolFormatException : JsonException
{
    public ProtocolFormatException(string message) : base(message) { }

    public ProtocolFormatException(string message, Exception? innerException) : base(message, innerException) { }
}
