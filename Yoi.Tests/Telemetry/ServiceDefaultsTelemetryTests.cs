using System.Diagnostics;
using Yoi.Tests.EventLog.Redis;
using Yoi.Tests.Processes;

namespace Yoi.Tests.Telemetry;

public sealed class ServiceDefaultsTelemetryTests
{
    [Fact]
    public async Task A_service_exports_route_named_server_spans_over_otlp_with_service_name_and_instance_id_and_no_health_probes()
    {
        await using var receiver = await OtlpTraceReceiver.StartAsync();
        var port = RedisServerProcess.FreePort();
        var info = new ProcessStartInfo(BuiltArtifacts.DotnetHost)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add(BuiltArtifacts.Assembly("Yoi.RuntimeService"));
        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        info.Environment["Runtime__Id"] = "rt-otel";
        info.Environment["Runtime__Token"] = "test-token-0123456789abcdef";
        info.Environment["OTEL_SERVICE_NAME"] = "yoi-runtime";
        info.Environment["OTEL_RESOURCE_ATTRIBUTES"] = "service.instance.id=rt-otel";
        info.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint;
        info.Environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
        info.Environment["OTEL_BSP_SCHEDULE_DELAY"] = "200";
        using var process = Process.Start(info)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                try
                {
                    if ((await http.GetAsync($"http://127.0.0.1:{port}/alive", TestContext.Current.CancellationToken)).IsSuccessStatusCode) break;
                }
                catch (HttpRequestException) when (DateTime.UtcNow < deadline) { }
                await Task.Delay(100, TestContext.Current.CancellationToken);
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/v1/workers/w-none");
            request.Headers.Authorization = new("Bearer", "test-token-0123456789abcdef");
            using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);

            // Named "{method} {route}" by the ASP.NET Core instrumentation, the concrete path only as an attribute.
            var span = await receiver.WaitForSpanAsync(
                s => s.Scope == "Microsoft.AspNetCore" && s.Attributes.GetValueOrDefault("url.path") == "/v1/workers/w-none",
                TimeSpan.FromSeconds(20), "for GET /v1/workers/w-none");
            Assert.Equal("GET /v1/workers/{id}", span.Name);
            Assert.Equal("/v1/workers/{id}", span.Attributes.GetValueOrDefault("http.route"));
            Assert.Equal("404", span.Attributes.GetValueOrDefault("http.response.status_code"));
            Assert.Equal("yoi-runtime", span.ServiceName);
            Assert.Equal("rt-otel", span.ServiceInstanceId);
            Assert.Equal(2, span.Kind); // SPAN_KIND_SERVER
            Assert.Equal(32, span.TraceId.Length);
            // Health probes are not traced (the AppHost polls them every few seconds).
            Assert.DoesNotContain(receiver.Spans, s => s.Attributes.GetValueOrDefault("url.path") is "/alive" or "/health");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }
}
