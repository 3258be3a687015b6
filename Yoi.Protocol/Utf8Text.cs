using System.Text.Json;

namespace Yoi.Protocol;

/// <summary>Reading string tokens as wire input: text that is not valid UTF-8 is a format error, not a crash.</summary>
internal static class Utf8Text
{
    /// <summary>
    /// Throws unless <paramref name="utf8"/> is valid UTF-8. The JSON reader does not check the bytes inside strings,
    /// and WebSocket text frames must be valid UTF-8, so every wire entry point checks (vectorized, cheap).
    /// </summary>
    public static void EnsureValid(ReadOnlySpan<byte> utf8, string what)
    {
        if (!System.Text.Unicode.Utf8.IsValid(utf8)) throw new ProtocolFormatException($"The {what} is not valid UTF-8.");
    }

    public static string GetString(ref Utf8JsonReader reader, string property)
    {
        try
        {
            return reader.GetString() ?? throw new ProtocolFormatException($"The '{property}' property must be a string.");
        }
        catch (InvalidOperationException ex)
        {
            throw new ProtocolFormatException($"The '{property}' property is not valid UTF-8 text.", ex);
        }
    }
}
