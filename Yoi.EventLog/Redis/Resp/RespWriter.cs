using System.Buffers;
using System.Buffers.Text;
using System.Text;
using Yoi.Protocol.Cursors;

namespace Yoi.EventLog.Redis.Resp;

/// <summary>
/// Encodes commands as RESP2 arrays of length-prefixed bulk strings, straight into a buffer writer.
/// Numbers and stream IDs are formatted into the buffer; nothing is concatenated as text.
/// </summary>
internal readonly struct RespWriter(IBufferWriter<byte> output)
{
    private const int MaxNumberLength = 20; // ulong.MaxValue, or '-' plus 19 digits

    /// <summary>Starts a command of <paramref name="argumentCount"/> bulk strings (the command name included).</summary>
    public void WriteCommandHeader(int argumentCount) => WritePrefixed((byte)'*', argumentCount);

    public void WriteBulk(ReadOnlySpan<byte> value)
    {
        WritePrefixed((byte)'$', value.Length);
        var span = output.GetSpan(value.Length + 2);
        value.CopyTo(span);
        span[value.Length] = (byte)'\r';
        span[value.Length + 1] = (byte)'\n';
        output.Advance(value.Length + 2);
    }

    public void WriteBulk(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        WritePrefixed((byte)'$', length);
        var span = output.GetSpan(length + 2);
        var written = Encoding.UTF8.GetBytes(value, span);
        span[written] = (byte)'\r';
        span[written + 1] = (byte)'\n';
        output.Advance(written + 2);
    }

    public void WriteBulk(long value)
    {
        Span<byte> digits = stackalloc byte[MaxNumberLength];
        Utf8Formatter.TryFormat(value, digits, out var n);
        WriteBulk(digits[..n]);
    }

    public void WriteBulk(ulong value)
    {
        Span<byte> digits = stackalloc byte[MaxNumberLength];
        Utf8Formatter.TryFormat(value, digits, out var n);
        WriteBulk(digits[..n]);
    }

    /// <summary>A stream ID; with <paramref name="exclusive"/> prefixed by '(' (exclusive range bound).</summary>
    public void WriteBulk(StreamCursor cursor, bool exclusive = false)
    {
        Span<byte> text = stackalloc byte[StreamCursor.MaxLength + 1];
        var start = 0;
        if (exclusive) text[start++] = (byte)'(';
        cursor.TryFormat(text[start..], out var n);
        WriteBulk(text[..(start + n)]);
    }

    private void WritePrefixed(byte marker, long length)
    {
        var span = output.GetSpan(MaxNumberLength + 3);
        span[0] = marker;
        Utf8Formatter.TryFormat(length, span[1..], out var n);
        span[n + 1] = (byte)'\r';
        span[n + 2] = (byte)'\n';
        output.Advance(n + 3);
    }
}
