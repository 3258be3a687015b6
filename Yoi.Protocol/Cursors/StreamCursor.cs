using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Yoi.Protocol.Cursors;

/// <summary>
/// A Redis stream entry ID (<c>&lt;ms&gt;-&lt;seq&gt;</c>), the cursor of every Yoi stream.
/// Parsing is strict: only two unsigned 64-bit decimal numbers joined by one '-', nothing else
/// (no sign, no space, no '$', '>', '*', '+', '-' shorthands, no leading '+', no overflow).
/// Only ASCII digits count: other Unicode digits (for example Arabic-Indic or full-width) are rejected.
/// Leading zeros are accepted, as Redis accepts them, and normalized away: <c>007-01</c> parses as <c>7-1</c> and
/// formats as <c>7-1</c>; the text, zeros included, may not exceed <see cref="MaxLength"/> characters.
/// It is <see cref="IParsable{TSelf}"/>, so a route binds it from the query (<c>[FromQuery] StreamCursor? after</c>).
/// </summary>
public readonly record struct StreamCursor(ulong Milliseconds, ulong Sequence) : IComparable<StreamCursor>, IParsable<StreamCursor>
{
    /// <summary>The position before every entry: reading after it returns the whole stream.</summary>
    public static readonly StreamCursor Zero = new(0, 0);

    /// <summary>The largest ID Redis can represent.</summary>
    public static readonly StreamCursor Max = new(ulong.MaxValue, ulong.MaxValue);

    /// <summary>Longest text a valid cursor can have: two 20-digit numbers and a dash.</summary>
    public const int MaxLength = 41;

    public bool IsZero => Milliseconds == 0 && Sequence == 0;

    public int CompareTo(StreamCursor other)
    {
        var byMs = Milliseconds.CompareTo(other.Milliseconds);
        return byMs != 0 ? byMs : Sequence.CompareTo(other.Sequence);
    }

    public static bool operator <(StreamCursor a, StreamCursor b) => a.CompareTo(b) < 0;
    public static bool operator >(StreamCursor a, StreamCursor b) => a.CompareTo(b) > 0;
    public static bool operator <=(StreamCursor a, StreamCursor b) => a.CompareTo(b) <= 0;
    public static bool operator >=(StreamCursor a, StreamCursor b) => a.CompareTo(b) >= 0;

    /// <summary>The smallest ID strictly greater than this one (for exclusive ranges).</summary>
    public StreamCursor Successor()
    {
        if (Sequence != ulong.MaxValue) return new(Milliseconds, Sequence + 1);
        if (Milliseconds == ulong.MaxValue) throw new OverflowException("No cursor follows the maximum ID.");
        return new(Milliseconds + 1, 0);
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Milliseconds}-{Sequence}");

    public bool TryFormat(Span<char> destination, out int charsWritten)
    {
        charsWritten = 0;
        if (!Milliseconds.TryFormat(destination, out var a, default, CultureInfo.InvariantCulture)) return false;
        if (a >= destination.Length) return false;
        destination[a] = '-';
        if (!Sequence.TryFormat(destination[(a + 1)..], out var b, default, CultureInfo.InvariantCulture)) return false;
        charsWritten = a + 1 + b;
        return true;
    }

    public bool TryFormat(Span<byte> utf8Destination, out int bytesWritten)
    {
        bytesWritten = 0;
        if (!Milliseconds.TryFormat(utf8Destination, out var a, default, CultureInfo.InvariantCulture)) return false;
        if (a >= utf8Destination.Length) return false;
        utf8Destination[a] = (byte)'-';
        if (!Sequence.TryFormat(utf8Destination[(a + 1)..], out var b, default, CultureInfo.InvariantCulture)) return false;
        bytesWritten = a + 1 + b;
        return true;
    }

    public static StreamCursor Parse(string text) =>
        TryParse(text, out var cursor, out var reason) ? cursor : throw new FormatException(reason);

    public static bool TryParse([NotNullWhen(true)] string? text, out StreamCursor cursor) =>
        TryParse(text.AsSpan(), out cursor, out _) && text is not null;

    public static StreamCursor Parse(string s, IFormatProvider? provider) => Parse(s);

    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out StreamCursor result) =>
        TryParse(s, out result);

    public static bool TryParse(ReadOnlySpan<char> text, out StreamCursor cursor, [NotNullWhen(false)] out string? reason)
    {
        cursor = default;
        if (text.IsEmpty) { reason = "cursor is empty"; return false; }
        if (text.Length > MaxLength) { reason = $"cursor is longer than {MaxLength} characters"; return false; }
        var dash = text.IndexOf('-');
        if (dash < 0) { reason = "cursor must be '<milliseconds>-<sequence>'; the '-<sequence>' part is missing"; return false; }
        if (!TryParsePart(text[..dash], "milliseconds", out var ms, out reason)) return false;
        if (!TryParsePart(text[(dash + 1)..], "sequence", out var seq, out reason)) return false;
        cursor = new StreamCursor(ms, seq);
        return true;
    }

    public static bool TryParse(ReadOnlySpan<byte> utf8, out StreamCursor cursor) => TryParse(utf8, out cursor, out _);

    /// <summary>The UTF-8 form of <see cref="TryParse(ReadOnlySpan{char}, out StreamCursor, out string?)"/>.</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8, out StreamCursor cursor, [NotNullWhen(false)] out string? reason)
    {
        cursor = default;
        if (utf8.IsEmpty) { reason = "cursor is empty"; return false; }
        if (utf8.Length > MaxLength) { reason = $"cursor is longer than {MaxLength} characters"; return false; }
        Span<char> chars = stackalloc char[MaxLength];
        for (var i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] > 127) { reason = "cursor has a character that is not ASCII"; return false; }
            chars[i] = (char)utf8[i];
        }
        return TryParse(chars[..utf8.Length], out cursor, out reason);
    }

    private static bool TryParsePart(ReadOnlySpan<char> part, string name, out ulong value, [NotNullWhen(false)] out string? reason)
    {
        value = 0;
        if (part.IsEmpty) { reason = $"the {name} part is empty"; return false; }
        foreach (var c in part)
        {
            if (c is < '0' or > '9') { reason = $"the {name} part has a character that is not a decimal digit"; return false; }
            var digit = (ulong)(c - '0');
            if (value > (ulong.MaxValue - digit) / 10) { reason = $"the {name} part is larger than 2^64-1"; return false; }
            value = value * 10 + digit;
        }
        reason = null;
        return true;
    }
}
