namespace Herald.Hosting;

/// <summary>Names, on the <c>Herald</c> assembly, the transport <c>AddHerald</c> uses when the application chooses none.</summary>
/// <remarks>
/// The <c>Herald</c> package carries it for the embedded log. Herald reads it from the assembly named <c>Herald</c> only,
/// when the host first resolves the transport; no other assembly is loaded or scanned. Without that assembly, an
/// application that chooses no transport fails to start with a message naming what to do. ADR 0028 records why.
/// </remarks>
/// <param name="factoryType">A class implementing <see cref="IDefaultTransportFactory"/>, with a parameterless constructor (public or not).</param>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false)]
public sealed class DefaultTransportAttribute(Type factoryType) : Attribute
{
    /// <summary>Gets the class that creates the default transport.</summary>
    public Type FactoryType { get; } = factoryType;
}
