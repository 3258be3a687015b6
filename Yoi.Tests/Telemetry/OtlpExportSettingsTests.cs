using Microsoft.Extensions.Configuration;
using OpenTelemetry.Exporter;
using Yoi.BackendService;
using Yoi.ServiceDefaults;

namespace Yoi.Tests.Telemetry;

/// <summary>The OTLP settings of the service defaults: unset means no export, anything invalid stops the start naming the setting.</summary>
public sealed class OtlpExportSettingsTests
{
    private static OtlpExportSettings? Read(string? endpoint, string? protocol = null) =>
        OtlpExportSettings.Read(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = protocol,
        }).Build());

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void An_unset_or_empty_endpoint_exports_nothing(string? endpoint) => Assert.Null(Read(endpoint));

    [Theory]
    [InlineData("http://localhost:4317", null, "http://localhost:4317/", OtlpExportProtocol.Grpc)]
    [InlineData("https://collector.example:4318", "http/protobuf", "https://collector.example:4318/", OtlpExportProtocol.HttpProtobuf)]
    [InlineData(" http://127.0.0.1:4317 ", "grpc", "http://127.0.0.1:4317/", OtlpExportProtocol.Grpc)]
    public void A_valid_endpoint_and_protocol_are_used(string endpoint, string? protocol, string uri, OtlpExportProtocol expected) =>
        Assert.Equal(new OtlpExportSettings(new Uri(uri), expected), Read(endpoint, protocol));

    [Theory]
    [InlineData("localhost:4317")] // parses as an absolute URI of scheme "localhost"
    [InlineData("not a url")]
    [InlineData("/v1/traces")]
    [InlineData("ftp://collector:4317")]
    [InlineData("file:///tmp/otlp")]
    public void An_invalid_endpoint_throws_naming_OTEL_EXPORTER_OTLP_ENDPOINT(string endpoint)
    {
        var error = Assert.Throws<ServiceConfigurationException>(() => Read(endpoint));
        Assert.Equal("OTEL_EXPORTER_OTLP_ENDPOINT", error.Setting);
        Assert.StartsWith("OTEL_EXPORTER_OTLP_ENDPOINT must be an absolute http or https URI", error.Message);
    }

    [Theory]
    [InlineData("http://localhost:4317")]
    [InlineData(null)]
    public void An_unsupported_protocol_throws_naming_OTEL_EXPORTER_OTLP_PROTOCOL_with_or_without_an_endpoint(string? endpoint)
    {
        var error = Assert.Throws<ServiceConfigurationException>(() => Read(endpoint, "http/json"));
        Assert.Equal("OTEL_EXPORTER_OTLP_PROTOCOL", error.Setting);
        Assert.Contains("'http/json'", error.Message);
    }

    [Fact]
    public async Task The_backend_does_not_build_with_an_invalid_endpoint()
    {
        var error = await Assert.ThrowsAsync<ServiceConfigurationException>(() => BackendApp.BuildAsync([],
            builder => builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] = "localhost:4317", TestContext.Current.CancellationToken));
        Assert.Equal("OTEL_EXPORTER_OTLP_ENDPOINT", error.Setting);
    }
}
