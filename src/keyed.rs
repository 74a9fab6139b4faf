//! One declaration per string-keyed enum.
//!
//! Lexicon values, categories, section kinds, flag ids, roles and audiences
//! are written in files and output by a fixed key ("culture_result",
//! "ACUITY_NOT_DOCUMENTED"). [`keyed_enum!`] takes one list of
//! `Variant => "key"` pairs and generates the enum and everything that maps
//! it to and from its key, so the key, the parser, `Display` and the serde
//! name cannot drift apart:
//!
//! - `ALL`: every variant, in declaration order;
//! - the key method (`key()` or `as_str()`, named by the declaration);
//! - `FromStr`, with the error `unknown <noun> "<text>"; expected one of:
//!   <keys>`;
//! - `Display`, writing the key;
//! - `serde::Serialize`, writing the key as the variant's name.

/// Declares a fieldless enum whose variants each have a string key.
///
/// ```ignore
/// keyed_enum! {
///     key = key, noun = "Side";
///     /// A side.
///     #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
///     pub enum Side {
///         /// Right.
///         Right => "right",
///         /// Left.
///         Left => "left",
///     }
/// }
/// ```
///
/// The enum must be `Copy` (the generated methods take `self`).
macro_rules! keyed_enum {
    (
        key = $method:ident, noun = $noun:literal;
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident => $key:literal),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The key written in lexicon files, gold files and output.
            pub fn $method(self) -> &'static str {
                match self {
                    $($name::$variant => $key),+
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($key => Ok($name::$variant),)+
                    _ => Err(format!(
                        "unknown {} {:?}; expected one of: {}",
                        $noun,
                        s,
                        [$($key),+].join(", ")
                    )),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.$method())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                // The same data model as a derived unit variant, named by
                // its key.
                serializer.serialize_unit_variant(stringify!($name), *self as u32, self.$method())
            }
        }
    };
}

pub(crate) use keyed_enum;

#[cfg(test)]
mod tests {
    keyed_enum! {
        key = key, noun = "test value";
        /// A test enum.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Sample {
            /// One.
            One => "one",
            /// Two words.
            TwoWords => "two_words",
        }
    }

    #[test]
    fn key_parse_display_and_serde_agree() {
        for &v in Sample::ALL {
            assert_eq!(v.key().parse::<Sample>(), Ok(v));
            assert_eq!(v.to_string(), v.key());
            assert_eq!(
                serde_json::to_string(&v).unwrap(),
                format!("\"{}\"", v.key())
            );
        }
        assert_eq!(Sample::ALL, &[Sample::One, Sample::TwoWords]);
        assert_eq!(
            "three".parse::<Sample>(),
            Err("unknown test value \"three\"; expected one of: one, two_words".to_string())
        );
    }
}
