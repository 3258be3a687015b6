using System.Text.Json;

namespace Yoi.Client;

/// <summary>The Backend answered with a problem (RFC 9457): its HTTP status and stable <see cref="Code"/>.</summary>
public sealed class YoiApiException(int status, string code, string title, string detail)
    : Exception($"{status} {code}: {detail}")
{
    public int Status { get; } = status;
    public string Code { get; } = code;
    public string Title { get; } = title;
    public string Detail { get; } = detail;
    public string? RuntimeId { get; private init; }
    public string? TraceId { get; private init; }

    internal static YoiApiException FromProblem(int status, byte[] body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            string? Get(string name) => root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var v)
                && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            return new YoiApiException(status, Get("code") ?? "http_" + status, Get("title") ?? "", Get("detail") ?? "")
            {
                RuntimeId = Get("runtime_id"),
                TraceId = Get("trace_id"),
            };
        }
        catch (JsonException)
        {
            return new YoiApiException(status, "http_" + status, "", "The backend answered without a problem body.");
        }
    }
}
