using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Yoi.Runtime.Configuration;

/// <summary>
/// Binding of an options class from a configuration section, for <c>AddOptions&lt;T&gt;()...ValidateOnStart()</c>: a value
/// the binder cannot convert (<c>MaxWorkers=lots</c>) fails like any other invalid setting, as an
/// <see cref="OptionsValidationException"/> whose message names the setting (docs/configuration.md), rather than as the
/// binder's <see cref="InvalidOperationException"/> from wherever the options are first read.
/// </summary>
public static class OptionsBuilderBinding
{
    public static OptionsBuilder<T> BindSection<T>(this OptionsBuilder<T> builder, string sectionPath) where T : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Configure<IConfiguration>((options, configuration) =>
        {
            try
            {
                configuration.GetSection(sectionPath).Bind(options);
            }
            catch (InvalidOperationException ex)
            {
                // The binder's message names the setting and the value it could not convert.
                throw new OptionsValidationException(builder.Name, typeof(T), [ex.Message]);
            }
        });
    }
}
