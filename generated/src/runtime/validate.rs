// Copied by `cargo xtask generate` from templates/src/runtime/validate.rs; edit the template, not this file.
//! Checks of the bounds a schema declares (minimum, maximum, lengths, item counts), run before a
//! request is sent so that a value the server would refuse fails early, naming the field.

use super::Error;

fn invalid(field: &str, reason: String) -> Error {
    Error::Invalid {
        field: field.to_owned(),
        reason,
    }
}

/// `value` within `minimum` and `maximum`, each inclusive unless marked exclusive.
pub(crate) fn check_number(
    field: &str,
    value: f64,
    minimum: Option<f64>,
    maximum: Option<f64>,
    exclusive_minimum: bool,
    exclusive_maximum: bool,
) -> Result<(), Error> {
    if let Some(min) = minimum {
        if exclusive_minimum && value <= min {
            return Err(invalid(
                field,
                format!("must be greater than {min}, got {value}"),
            ));
        }
        if !exclusive_minimum && value < min {
            return Err(invalid(
                field,
                format!("must be at least {min}, got {value}"),
            ));
        }
    }
    if let Some(max) = maximum {
        if exclusive_maximum && value >= max {
            return Err(invalid(
                field,
                format!("must be less than {max}, got {value}"),
            ));
        }
        if !exclusive_maximum && value > max {
            return Err(invalid(
                field,
                format!("must be at most {max}, got {value}"),
            ));
        }
    }
    Ok(())
}

/// A value of an open enum that is one of the values the schema lists (`allowed`, written out).
pub(crate) fn check_known(
    field: &str,
    known: bool,
    value: &dyn std::fmt::Display,
    allowed: &str,
) -> Result<(), Error> {
    if known {
        Ok(())
    } else {
        Err(invalid(
            field,
            format!("must be one of {allowed}, got {value}"),
        ))
    }
}

/// A text of `length` characters within `minLength` and `maxLength`.
pub(crate) fn check_length(
    field: &str,
    length: usize,
    minimum: Option<u64>,
    maximum: Option<u64>,
) -> Result<(), Error> {
    let length = length as u64;
    match (minimum, maximum) {
        (Some(min), _) if length < min => Err(invalid(
            field,
            format!("must be at least {min} characters long, got {length}"),
        )),
        (_, Some(max)) if length > max => Err(invalid(
            field,
            format!("must be at most {max} characters long, got {length}"),
        )),
        _ => Ok(()),
    }
}

/// A list of `count` items within `minItems` and `maxItems`.
pub(crate) fn check_items(
    field: &str,
    count: usize,
    minimum: Option<u64>,
    maximum: Option<u64>,
) -> Result<(), Error> {
    let count = count as u64;
    match (minimum, maximum) {
        (Some(min), _) if count < min => Err(invalid(
            field,
            format!("must have at least {min} items, got {count}"),
        )),
        (_, Some(max)) if count > max => Err(invalid(
            field,
            format!("must have at most {max} items, got {count}"),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(result: Result<(), Error>) -> String {
        match result {
            Err(Error::Invalid { field, reason }) => format!("{field}: {reason}"),
            other => panic!("expected an invalid value, got {other:?}"),
        }
    }

    #[test]
    fn numbers() {
        assert!(check_number("f", 3600.0, Some(1.0), Some(3600.0), false, false).is_ok());
        assert_eq!(
            reason(check_number(
                "TokenRequest.expires_in",
                3601.0,
                None,
                Some(3600.0),
                false,
                false
            )),
            "TokenRequest.expires_in: must be at most 3600, got 3601"
        );
        assert_eq!(
            reason(check_number("f", 0.0, Some(0.0), None, true, false)),
            "f: must be greater than 0, got 0"
        );
        assert_eq!(
            reason(check_number("f", 1.0, None, Some(1.0), false, true)),
            "f: must be less than 1, got 1"
        );
        assert_eq!(
            reason(check_number("f", -1.0, Some(0.0), None, false, false)),
            "f: must be at least 0, got -1"
        );
    }

    #[test]
    fn known_values() {
        assert!(check_known("f", true, &8000, "8000, 16000").is_ok());
        assert_eq!(
            reason(check_known(
                "RawOutputFormat.sample_rate",
                false,
                &44000,
                "8000, 16000"
            )),
            "RawOutputFormat.sample_rate: must be one of 8000, 16000, got 44000"
        );
    }

    #[test]
    fn lengths_and_items() {
        assert!(check_length("f", 3, Some(1), Some(3)).is_ok());
        assert_eq!(
            reason(check_length("name", 0, Some(1), None)),
            "name: must be at least 1 characters long, got 0"
        );
        assert_eq!(
            reason(check_length("name", 5, None, Some(4))),
            "name: must be at most 4 characters long, got 5"
        );
        assert!(check_items("f", 2, Some(1), Some(2)).is_ok());
        assert_eq!(
            reason(check_items("ids", 3, None, Some(2))),
            "ids: must have at most 2 items, got 3"
        );
        assert_eq!(
            reason(check_items("ids", 0, Some(1), None)),
            "ids: must have at least 1 items, got 0"
        );
    }
}
