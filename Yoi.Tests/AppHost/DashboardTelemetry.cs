using System.Text.Json;

namespace Yoi.Tests.AppHost;

/// <summary>A span as the Aspire dashboard's telemetry API returns it (OTLP JSON), with its resource's service name.</summary>
public sealed record DashboardSpan(string Service, string Scope, string TraceId, string SpanId, string? ParentSpanId, string Name,
    int Kind, IReadOnlyDictionary<string, string> Attributes, IReadOnlyList<string> LinkedSpanIds);

public sealed record DashboardLog(string Service, string Body, string? TraceId);

public sealed record DashboardResource(string Name, bool HasLogs, bool HasTraces, bool HasMetrics);

/// <summary>
/// Reads telemetry back from the Aspire dashboard's HTTP API (<c>/api/telemetry/{resources,spans,logs}</c>, anonymous
/// access as <see cref="AppHostProcess"/> configures it).
/// </summary>
public sealed class DashboardTelemetry(string dashboardUrl) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = new Uri(dashboardUrl.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(15) };

    public async Task<IReadOnlyList<DashboardResource>> ResourcesAsync(CancellationToken cancellationToken)
    {
        using var document = await GetAsync("api/telemetry/resources", cancellationToken);
        return document.RootElement.EnumerateArray().Select(r => new DashboardResource(r.GetProperty("name").GetString()!,
            r.GetProperty("hasLogs").GetBoolean(), r.GetProperty("hasTraces").GetBoolean(), r.GetProperty("hasMetrics").GetBoolean())).ToList();
    }

    public async Task<IReadOnlyList<DashboardSpan>> SpansAsync(string query, CancellationToken cancellationToken)
    {
        using var document = await GetAsync("api/telemetry/spans?limit=10000&" + query, cancellationToken);
        var spans = new List<DashboardSpan>();
        foreach (var resource in Data(document, "resourceSpans"))
        {
            var service = ServiceName(resource);
            foreach (var scope in resource.GetProperty("scopeSpans").EnumerateArray())
            {
                var scopeName = scope.GetProperty("scope").GetProperty("name").GetString()!;
                foreach (var span in scope.GetProperty("spans").EnumerateArray())
                    spans.Add(new DashboardSpan(service, scopeName, span.GetProperty("traceId").GetString()!, span.GetProperty("spanId").GetString()!,
                        span.TryGetProperty("parentSpanId", out var parent) ? parent.GetString() : null, span.GetProperty("name").GetString()!,
                        span.GetProperty("kind").GetInt32(), Attributes(span),
                        span.TryGetProperty("links", out var links) ? links.EnumerateArray().Select(l => l.GetProperty("spanId").GetString()!).ToList() : []));
            }
        }
        return spans;
    }

    public async Task<IReadOnlyList<DashboardLog>> LogsAsync(string resource, CancellationToken cancellationToken)
    {
        using var document = await GetAsync($"api/telemetry/logs?limit=10000&resource={Uri.EscapeDataString(resource)}", cancellationToken);
        var logs = new List<DashboardLog>();
        foreach (var item in Data(document, "resourceLogs"))
        {
            var service = ServiceName(item);
            foreach (var scope in item.GetProperty("scopeLogs").EnumerateArray())
            foreach (var record in scope.GetProperty("logRecords").EnumerateArray())
                logs.Add(new DashboardLog(service,
                    record.TryGetProperty("body", out var body) && body.TryGetProperty("stringValue", out var text) ? text.GetString()! : "",
                    record.TryGetProperty("traceId", out var traceId) ? traceId.GetString() : null));
        }
        return logs;
    }

    /// <summary>How long to wait for telemetry, and how often to ask: it arrives in batches, about every second.</summary>
    public static readonly TimeSpan Within = TimeSpan.FromSeconds(45), Poll = TimeSpan.FromMilliseconds(500);

    private async Task<JsonDocument> GetAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(path, cancellationToken);
        response.EnsureSuccessStatusCode();
        return await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
    }

    private static IEnumerable<JsonElement> Data(JsonDocument document, string name) =>
        document.RootElement.TryGetProperty("data", out var data) && data.TryGetProperty(name, out var items)
            ? items.EnumerateArray() : [];

    private static string ServiceName(JsonElement resource) =>
        Attributes(resource.GetProperty("resource")).GetValueOrDefault("service.name") ?? "";

    private static Dictionary<string, string> Attributes(JsonElement owner)
    {
        var result = new Dictionary<string, string>();
        if (!owner.TryGetProperty("attributes", out var attributes)) return result;
        foreach (var attribute in attributes.EnumerateArray())
        {
            var value = attribute.GetProperty("value");
            result[attribute.GetProperty("key").GetString()!] = value.EnumerateObject().FirstOrDefault() is { Value: var v } && v.ValueKind == JsonValueKind.String
                ? v.GetString()! : value.ToString();
        }
        return result;
    }

    public void Dispose() => _http.Dispose();
}
