namespace Herald.Events;

/// <summary>Receives an envelope's attributes, typed, from <see cref="EnvelopeAttributes.Visit{TVisitor}(EventEnvelope, ref TVisitor)"/>.</summary>
/// <remarks>Implement it on a struct: <c>Visit</c> is generic over the visitor, so the calls are direct and inlined.</remarks>
internal interface IAttributeVisitor
{
    /// <summary>Receives a known attribute of kind <see cref="AttributeKind.String"/>.</summary>
    void VisitString(KnownAttribute attribute, string value);

    /// <summary>Receives a known attribute of kind <see cref="AttributeKind.Integer"/>.</summary>
    void VisitInteger(KnownAttribute attribute, long value);

    /// <summary>Receives a known attribute of kind <see cref="AttributeKind.Time"/>.</summary>
    void VisitTime(KnownAttribute attribute, DateTimeOffset value);

    /// <summary>Receives an extension attribute the envelope does not map itself.</summary>
    void VisitExtension(string name, string value);
}
