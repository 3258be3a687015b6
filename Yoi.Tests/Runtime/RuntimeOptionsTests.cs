using Microsoft.Extensions.Options;
using Yoi.Runtime;

namespace Yoi.Tests.Runtime;

public sealed class RuntimeOptionsTests
{
    private static RuntimeOptions Load(params (string Key, string Value)[] settings) =>
        StartValidation.Load<RuntimeOptions>(services => services.AddYoiRuntime(), settings);

    [Fact]
    public void Defaults_apply_when_only_the_required_settings_are_given()
    {
        var options = Load(("Runtime:Id", "rt-1"), ("Runtime:Token", "0123456789abcdef"));
        Assert.Equal(("yoi:", 10000L, "scripted", 20, 30d, 32768), (options.KeyPrefix, options.Retention.MaxLength,
            options.DefaultProvider, options.Scripted.DeltaDelayMs, options.EventLogOutageLimitSeconds, options.MaxInputChars));
        Assert.Null(options.Retention.MaxAgeSeconds);
        Assert.DoesNotContain("0123456789abcdef", options.ToString());
    }

    [Theory]
    [InlineData(null, "0123456789abcdef", "Runtime:Id")]
    [InlineData("rt:1", "0123456789abcdef", "Runtime:Id")]
    [InlineData("rt-1", null, "Runtime:Token")]
    [InlineData("rt-1", "short", "Runtime:Token")]
    public void A_missing_or_invalid_required_setting_is_named(string? id, string? token, string named)
    {
        var settings = new List<(string, string)>();
        if (id is not null) settings.Add(("Runtime:Id", id));
        if (token is not null) settings.Add(("Runtime:Token", token));
        var error = Assert.Throws<OptionsValidationException>(() => Load([.. settings]));
        Assert.Contains(named, error.Message);
        if (token is not null) Assert.DoesNotContain(token, error.Message);
    }

    [Theory]
    [InlineData("Runtime:Retention:MaxLength", "0")]
    [InlineData("Runtime:Retention:MaxAgeSeconds", "-5")]
    [InlineData("Runtime:DefaultProvider", "gpt")]
    [InlineData("Runtime:Scripted:DeltaDelayMs", "-1")]
    [InlineData("Runtime:OpenAI:BaseUrl", "ftp://x")]
    [InlineData("Runtime:OpenAI:MaxRetries", "-1")]
    [InlineData("Runtime:Ollama:Endpoint", "localhost:11434")]
    [InlineData("Runtime:Ollama:TimeoutSeconds", "0")]
    [InlineData("Runtime:EventLogOutageLimitSeconds", "0")]
    [InlineData("Runtime:EventLogOutageLimitSeconds", "NaN")]
    [InlineData("Runtime:Retention:MaxAgeSeconds", "NaN")]
    [InlineData("Runtime:OpenAI:TimeoutSeconds", "NaN")]
    [InlineData("Runtime:MaxInputChars", "0")]
    [InlineData("Runtime:Retention:MaxLength", "lots")]
    public void An_invalid_optional_setting_is_named(string key, string value)
    {
        var error = Assert.Throws<OptionsValidationException>(() =>
            Load(("Runtime:Id", "rt-1"), ("Runtime:Token", "0123456789abcdef"), (key, value)));
        Assert.Contains(key.Split(':')[^1], error.Message);
    }

    [Theory]
    [InlineData("openai", "Runtime:OpenAI:BaseUrl")]
    [InlineData("ollama", "Runtime:Ollama:Endpoint")]
    public void A_default_provider_needs_its_endpoint_and_model(string provider, string named)
    {
        var error = Assert.Throws<OptionsValidationException>(() =>
            Load(("Runtime:Id", "rt-1"), ("Runtime:Token", "0123456789abcdef"), ("Runtime:DefaultProvider", provider)));
        Assert.Contains(named, error.Message);
    }
}
