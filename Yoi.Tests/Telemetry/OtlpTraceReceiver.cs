using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Yoi.Tests.Telemetry;

/// <summary>One exported span, as the receiver decoded it.</summary>
public sealed record ReceivedSpan(
    string ServiceName,
    string? ServiceInstanceId,
    string Scope,
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string Name,
    int Kind,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyList<(string TraceId, string SpanId)> Links);

/// <summary>
/// A small OTLP/HTTP (protobuf) trace receiver on 127.0.0.1:0: services export to it through
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> and <c>OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf</c>, and tests read the spans.
/// </summary>
public sealed class OtlpTraceReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedSpan> _spans = new();

    private OtlpTraceReceiver(WebApplication app) => _app = app;

    public string Endpoint => _app.Urls.First();
    public IReadOnlyCollection<ReceivedSpan> Spans => _spans;

    public static async Task<OtlpTraceReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new OtlpTraceReceiver(app);
        app.MapPost("/v1/traces", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            foreach (var span in ParseExportRequest(body.ToArray())) receiver._spans.Enqueue(span);
            return Results.Bytes([], "application/x-protobuf");
        });
        app.MapPost("/v1/metrics", () => Results.Bytes([], "application/x-protobuf"));
        app.MapPost("/v1/logs", () => Results.Bytes([], "application/x-protobuf"));
        await app.StartAsync();
        return receiver;
    }

    /// <summary>Waits until a span matching <paramref name="match"/> has arrived.</summary>
    public async Task<ReceivedSpan> WaitForSpanAsync(Func<ReceivedSpan, bool> match, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var found = _spans.FirstOrDefault(match);
            if (found is not null) return found;
            await Task.Delay(100);
        }
        var seen = string.Join("\n", _spans.Select(s => $"{s.ServiceName} {s.Scope} {s.Name} trace={s.TraceId}"));
        throw new TimeoutException($"No span {what} within {timeout}. Spans seen:\n{seen}");
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    // ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
    internal static List<ReceivedSpan> ParseExportRequest(ReadOnlySpan<byte> data)
    {
        var spans = new List<ReceivedSpan>();
        var reader = new ProtobufReader(data);
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == 2) ParseResourceSpans(reader.ReadBytes(), spans);
            else reader.Skip(wire);
        }
        return spans;
    }

    // ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
    private static void ParseResourceSpans(ReadOnlySpan<byte> data, List<ReceivedSpan> spans)
    {
        var resource = new Dictionary<string, string>();
        var scopes = new List<byte[]>();
        var reader = new ProtobufReader(data);
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == 2)
            {
                var r = new ProtobufReader(reader.ReadBytes());
                while (r.TryReadTag(out var f, out var w))
                    if (f == 1 && w == 2) AddKeyValue(r.ReadBytes(), resource); else r.Skip(w);
            }
            else if (field == 2 && wire == 2) scopes.Add(reader.ReadBytes().ToArray());
            else reader.Skip(wire);
        }
        var service = resource.GetValueOrDefault("service.name", "");
        var instance = resource.GetValueOrDefault("service.instance.id");
        foreach (var scope in scopes) ParseScopeSpans(scope, service, instance, spans);
    }

    // ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
    private static void ParseScopeSpans(ReadOnlySpan<byte> data, string service, string? instance, List<ReceivedSpan> spans)
    {
        var scopeName = "";
        var raw = new List<byte[]>();
        var reader = new ProtobufReader(data);
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == 2)
            {
                var r = new ProtobufReader(reader.ReadBytes());
                while (r.TryReadTag(out var f, out var w))
                    if (f == 1 && w == 2) scopeName = Encoding.UTF8.GetString(r.ReadBytes()); else r.Skip(w);
            }
            else if (field == 2 && wire == 2) raw.Add(reader.ReadBytes().ToArray());
            else reader.Skip(wire);
        }
        foreach (var span in raw) spans.Add(ParseSpan(span, service, instance, scopeName));
    }

    // Span { bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5; SpanKind kind = 6;
    //        repeated KeyValue attributes = 9; repeated Link links = 13; }
    private static ReceivedSpan ParseSpan(ReadOnlySpan<byte> data, string service, string? instance, string scope)
    {
        string traceId = "", spanId = "", name = "";
        string? parent = null;
        var kind = 0;
        var attributes = new Dictionary<string, string>();
        var links = new List<(string, string)>();
        var reader = new ProtobufReader(data);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1 when wire == 2: traceId = Convert.ToHexStringLower(reader.ReadBytes()); break;
                case 2 when wire == 2: spanId = Convert.ToHexStringLower(reader.ReadBytes()); break;
                case 4 when wire == 2:
                    var p = reader.ReadBytes();
                    parent = p.IsEmpty ? null : Convert.ToHexStringLower(p);
                    break;
                case 5 when wire == 2: name = Encoding.UTF8.GetString(reader.ReadBytes()); break;
                case 6 when wire == 0: kind = (int)reader.ReadVarint(); break;
                case 9 when wire == 2: AddKeyValue(reader.ReadBytes(), attributes); break;
                case 13 when wire == 2:
                    string lt = "", ls = "";
                    var l = new ProtobufReader(reader.ReadBytes());
                    while (l.TryReadTag(out var f, out var w))
                    {
                        if (f == 1 && w == 2) lt = Convert.ToHexStringLower(l.ReadBytes());
                        else if (f == 2 && w == 2) ls = Convert.ToHexStringLower(l.ReadBytes());
                        else l.Skip(w);
                    }
                    links.Add((lt, ls));
                    break;
                default: reader.Skip(wire); break;
            }
        }
        return new ReceivedSpan(service, instance, scope, traceId, spanId, parent, name, kind, attributes, links);
    }

    // KeyValue { string key = 1; AnyValue value = 2; } AnyValue { string_value = 1; bool_value = 2; int_value = 3; double = 4; }
    private static void AddKeyValue(ReadOnlySpan<byte> data, Dictionary<string, string> into)
    {
        string key = "", value = "";
        var reader = new ProtobufReader(data);
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == 2) key = Encoding.UTF8.GetString(reader.ReadBytes());
            else if (field == 2 && wire == 2)
            {
                var v = new ProtobufReader(reader.ReadBytes());
                while (v.TryReadTag(out var f, out var w))
                {
                    if (f == 1 && w == 2) value = Encoding.UTF8.GetString(v.ReadBytes());
                    else if (f is 2 or 3 && w == 0) value = ((long)v.ReadVarint()).ToString();
                    else v.Skip(w);
                }
            }
            else reader.Skip(wire);
        }
        into[key] = value;
    }
}
