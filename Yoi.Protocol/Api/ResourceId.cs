namespace Yoi.Protocol.Api;

/// <summary>
/// Runtime and worker ids: <c>[A-Za-z0-9_-]{1,64}</c>. Anything else is rejected before it can reach a Redis key,
/// a log line or a URL.
/// </summary>
public static class ResourceId
{
    public const int MaxLength = 64;

    public static bool IsValid(ReadOnlySpan<char> id)
    {
        if (id.IsEmpty || id.Length > MaxLength) return false;
        foreach (var c in id)
        {
            if (c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or '-') continue;
            return false;
        }
        return true;
    }
}
