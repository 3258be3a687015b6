using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace Yoi.Runtime.Plugins;

/// <summary>
/// Pure checks on a target URL: only absolute <c>ws://</c> or <c>wss://</c> URLs without a fragment; the redacted
/// form shown in status and diagnostics (<c>scheme://host:port/path</c>, never userinfo or query); and whether an
/// address is loopback, private, link-local or unique-local (such targets need <c>AllowPrivateNetwork</c>).
/// </summary>
public static class WebSocketTargetUrl
{
    public static bool TryParse(string? text, [NotNullWhen(true)] out Uri? uri, [NotNullWhen(false)] out string? error)
    {
        uri = null;
        if (string.IsNullOrWhiteSpace(text)) { error = "the URL is empty."; return false; }
        if (!Uri.TryCreate(text, UriKind.Absolute, out var parsed)) { error = "the URL is not an absolute URL."; return false; }
        if (parsed.Scheme is not ("ws" or "wss")) { error = $"the URL scheme must be ws or wss, not '{parsed.Scheme}'."; return false; }
        if (string.IsNullOrEmpty(parsed.Host)) { error = "the URL has no host."; return false; }
        if (parsed.Fragment.Length > 0) { error = "the URL must not have a fragment."; return false; }
        uri = parsed;
        error = null;
        return true;
    }

    /// <summary><c>scheme://host:port/path</c>: what status and diagnostics may show.</summary>
    public static string Redact(Uri uri) => $"{uri.Scheme}://{uri.Host}:{uri.Port}{uri.AbsolutePath}";

    /// <summary>Removes the full URL, its userinfo and its query from a message (exception texts can quote them).</summary>
    public static string Scrub(string message, Uri uri)
    {
        var result = message.Replace(uri.OriginalString, Redact(uri), StringComparison.Ordinal)
            .Replace(uri.AbsoluteUri, Redact(uri), StringComparison.Ordinal);
        if (uri.UserInfo.Length > 0) result = result.Replace(uri.UserInfo, "***", StringComparison.Ordinal);
        if (uri.Query.Length > 1) result = result.Replace(uri.Query, "?***", StringComparison.Ordinal);
        return result;
    }

    /// <summary>True when the host is <c>localhost</c> (or below it) or an IP literal in a private or loopback range.</summary>
    public static bool IsPrivateHost(Uri uri)
    {
        var host = uri.IdnHost;
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(host, out var address) && IsPrivateAddress(address);
    }

    /// <summary>127/8, ::1, 10/8, 172.16/12, 192.168/16, 169.254/16, fe80::/10, fc00::/7, 0/8, ::, IPv4-mapped forms.</summary>
    public static bool IsPrivateAddress(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> b = stackalloc byte[4];
            address.TryWriteBytes(b, out _);
            return b[0] == 127 || b[0] == 10 || b[0] == 0
                || (b[0] == 172 && (b[1] & 0xF0) == 16)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 169 && b[1] == 254);
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (IPAddress.IPv6Loopback.Equals(address) || IPAddress.IPv6Any.Equals(address)) return true;
            Span<byte> b = stackalloc byte[16];
            address.TryWriteBytes(b, out _);
            return (b[0] & 0xFE) == 0xFC || (b[0] == 0xFE && (b[1] & 0xC0) == 0x80);
        }
        return true;
    }
}
