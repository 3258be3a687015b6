using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Yoi.BackendService.Registry;

namespace Yoi.BackendService.Projection;

/// <summary>
/// Maps the presented API key to a role from <c>Backend:ApiKeys</c>: <c>Authorization: Bearer</c>, or
/// <c>?access_token=</c> on a WebSocket upgrade only (browsers cannot set headers there; REST never reads the query).
/// With no key configured every caller is <see cref="ClientIdentity.Open"/>. Keys are compared as SHA-256 digests
/// with <see cref="CryptographicOperations.FixedTimeEquals"/>, every configured key each time, so neither a key's
/// length nor which key matched shows in the timing (docs/security.md).
/// </summary>
public sealed class ApiKeyAuthenticator(IReadOnlyList<ApiKeyOptions> keys)
{
    public const string QueryParameter = "access_token";

    private readonly (byte[] Digest, ClientIdentity Identity)[] _keys =
        keys.Select(k => (SHA256.HashData(Encoding.UTF8.GetBytes(k.Key!)), new ClientIdentity(k.Role!, true))).ToArray();

    public bool Open => _keys.Length == 0;

    /// <summary>The caller's identity, or null when keys are configured and the request carries none that matches.</summary>
    public ClientIdentity? Authenticate(HttpContext context)
    {
        if (Open) return ClientIdentity.Open;
        var presented = PresentedKey(context);
        return presented is null ? null : Match(presented);
    }

    /// <summary>The identity the key maps to, or null.</summary>
    public ClientIdentity? Match(string presented)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), digest);
        ClientIdentity? found = null;
        foreach (var (key, identity) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(key, digest)) found ??= identity;
        }
        return found;
    }

    public static string? PresentedKey(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return header["Bearer ".Length..].Trim();
        if (!context.WebSockets.IsWebSocketRequest) return null;
        // Parsed here rather than through Request.Query, whose parsed copy (the key among it) would stay with a
        // WebSocket for its whole life.
        var query = QueryHelpers.ParseNullableQuery(context.Request.QueryString.Value);
        var token = query is not null && query.TryGetValue(QueryParameter, out var values) ? values.ToString() : "";
        return token.Length > 0 ? token : null;
    }
}
