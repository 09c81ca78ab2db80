namespace Herald.Schemas;

/// <summary>Names which readers a schema change must not break, with the meanings of Confluent Schema Registry.</summary>
public enum SchemaCompatibilityMode
{
    /// <summary>Consumers on the new schema can read events written with the old one: no new required field, no narrowed type.</summary>
    Backward,

    /// <summary>Consumers on the old schema can read events written with the new one: no removed required field, no widened type.</summary>
    Forward,

    /// <summary>Both <see cref="Backward"/> and <see cref="Forward"/>.</summary>
    Full,
}
