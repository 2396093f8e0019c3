//! Places in France for the alerts page: she types a département by number or name
//! («13», «Bouches-du-Rhône», «bouches du rhone») or a city («Marseille»), and finds the
//! alerts of that place whatever the moderator wrote in the alert's `region` and
//! `city` (a number, a name, with or without accents).
//!
//! Every département (and the five overseas ones) is here; the cities are the
//! préfectures and the largest towns, each with its département, so that «Marseille»
//! also finds the alerts filed under «13». A town not listed is matched by name only.

use super::fold::fold;

/// (code, name) of every département.
pub const DEPARTEMENTS: [(&str, &str); 101] = [
    ("01", "Ain"),
    ("02", "Aisne"),
    ("03", "Allier"),
    ("04", "Alpes-de-Haute-Provence"),
    ("05", "Hautes-Alpes"),
    ("06", "Alpes-Maritimes"),
    ("07", "Ardèche"),
    ("08", "Ardennes"),
    ("09", "Ariège"),
    ("10", "Aube"),
    ("11", "Aude"),
    ("12", "Aveyron"),
    ("13", "Bouches-du-Rhône"),
    ("14", "Calvados"),
    ("15", "Cantal"),
    ("16", "Charente"),
    ("17", "Charente-Maritime"),
    ("18", "Cher"),
    ("19", "Corrèze"),
    ("2A", "Corse-du-Sud"),
    ("2B", "Haute-Corse"),
    ("21", "Côte-d'Or"),
    ("22", "Côtes-d'Armor"),
    ("23", "Creuse"),
    ("24", "Dordogne"),
    ("25", "Doubs"),
    ("26", "Drôme"),
    ("27", "Eure"),
    ("28", "Eure-et-Loir"),
    ("29", "Finistère"),
    ("30", "Gard"),
    ("31", "Haute-Garonne"),
    ("32", "Gers"),
    ("33", "Gironde"),
    ("34", "Hérault"),
    ("35", "Ille-et-Vilaine"),
    ("36", "Indre"),
    ("37", "Indre-et-Loire"),
    ("38", "Isère"),
    ("39", "Jura"),
    ("40", "Landes"),
    ("41", "Loir-et-Cher"),
    ("42", "Loire"),
    ("43", "Haute-Loire"),
    ("44", "Loire-Atlantique"),
    ("45", "Loiret"),
    ("46", "Lot"),
    ("47", "Lot-et-Garonne"),
    ("48", "Lozère"),
    ("49", "Maine-et-Loire"),
    ("50", "Manche"),
    ("51", "Marne"),
    ("52", "Haute-Marne"),
    ("53", "Mayenne"),
    ("54", "Meurthe-et-Moselle"),
    ("55", "Meuse"),
    ("56", "Morbihan"),
    ("57", "Moselle"),
    ("58", "Nièvre"),
    ("59", "Nord"),
    ("60", "Oise"),
    ("61", "Orne"),
    ("62", "Pas-de-Calais"),
    ("63", "Puy-de-Dôme"),
    ("64", "Pyrénées-Atlantiques"),
    ("65", "Hautes-Pyrénées"),
    ("66", "Pyrénées-Orientales"),
    ("67", "Bas-Rhin"),
    ("68", "Haut-Rhin"),
    ("69", "Rhône"),
    ("70", "Haute-Saône"),
    ("71", "Saône-et-Loire"),
    ("72", "Sarthe"),
    ("73", "Savoie"),
    ("74", "Haute-Savoie"),
    ("75", "Paris"),
    ("76", "Seine-Maritime"),
    ("77", "Seine-et-Marne"),
    ("78", "Yvelines"),
    ("79", "Deux-Sèvres"),
    ("80", "Somme"),
    ("81", "Tarn"),
    ("82", "Tarn-et-Garonne"),
    ("83", "Var"),
    ("84", "Vaucluse"),
    ("85", "Vendée"),
    ("86", "Vienne"),
    ("87", "Haute-Vienne"),
    ("88", "Vosges"),
    ("89", "Yonne"),
    ("90", "Territoire de Belfort"),
    ("91", "Essonne"),
    ("92", "Hauts-de-Seine"),
    ("93", "Seine-Saint-Denis"),
    ("94", "Val-de-Marne"),
    ("95", "Val-d'Oise"),
    ("971", "Guadeloupe"),
    ("972", "Martinique"),
    ("973", "Guyane"),
    ("974", "La Réunion"),
    ("976", "Mayotte"),
];

/// (city, code of its département): préfectures and the largest towns.
pub const CITIES: [(&str, &str); 64] = [
    ("Paris", "75"),
    ("Marseille", "13"),
    ("Lyon", "69"),
    ("Toulouse", "31"),
    ("Nice", "06"),
    ("Nantes", "44"),
    ("Montpellier", "34"),
    ("Strasbourg", "67"),
    ("Bordeaux", "33"),
    ("Lille", "59"),
    ("Rennes", "35"),
    ("Reims", "51"),
    ("Toulon", "83"),
    ("Saint-Étienne", "42"),
    ("Le Havre", "76"),
    ("Grenoble", "38"),
    ("Dijon", "21"),
    ("Angers", "49"),
    ("Nîmes", "30"),
    ("Villeurbanne", "69"),
    ("Clermont-Ferrand", "63"),
    ("Le Mans", "72"),
    ("Aix-en-Provence", "13"),
    ("Brest", "29"),
    ("Tours", "37"),
    ("Amiens", "80"),
    ("Limoges", "87"),
    ("Annecy", "74"),
    ("Perpignan", "66"),
    ("Metz", "57"),
    ("Besançon", "25"),
    ("Orléans", "45"),
    ("Rouen", "76"),
    ("Mulhouse", "68"),
    ("Caen", "14"),
    ("Nancy", "54"),
    ("Argenteuil", "95"),
    ("Saint-Denis", "93"),
    ("Montreuil", "93"),
    ("Roubaix", "59"),
    ("Tourcoing", "59"),
    ("Avignon", "84"),
    ("Nanterre", "92"),
    ("Créteil", "94"),
    ("Poitiers", "86"),
    ("Pau", "64"),
    ("La Rochelle", "17"),
    ("Cannes", "06"),
    ("Antibes", "06"),
    ("Bayonne", "64"),
    ("Calais", "62"),
    ("Versailles", "78"),
    ("Boulogne-Billancourt", "92"),
    ("Ajaccio", "2A"),
    ("Bastia", "2B"),
    ("Fort-de-France", "972"),
    ("Pointe-à-Pitre", "971"),
    ("Cayenne", "973"),
    ("Saint-Pierre", "974"),
    ("Mamoudzou", "976"),
    ("Évry", "91"),
    ("Bobigny", "93"),
    ("Cergy", "95"),
    ("Melun", "77"),
];

/// What she searched for, as understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A département (code, name).
    Departement(&'static str, &'static str),
    /// A known city, with its département.
    City(&'static str, &'static str, &'static str),
    /// A name we do not know: matched against alerts' region and city as written.
    Other(String),
}

fn departement(code: &str) -> Option<(&'static str, &'static str)> {
    DEPARTEMENTS.iter().copied().find(|(c, _)| *c == code)
}

impl Place {
    /// Reads what she typed; `None` for nothing.
    pub fn parse(typed: &str) -> Option<Place> {
        let folded = fold(typed);
        if folded.is_empty() {
            return None;
        }
        // A number: "6" is "06", "2a" is "2A".
        let code = folded.to_uppercase();
        let code = if code.len() == 1 && code.chars().all(|c| c.is_ascii_digit()) {
            format!("0{code}")
        } else {
            code
        };
        if let Some((code, name)) = departement(&code) {
            return Some(Place::Departement(code, name));
        }
        if let Some((city, code)) = CITIES.iter().copied().find(|(c, _)| fold(c) == folded) {
            let (code, name) = departement(code).expect("every city's département is listed");
            return Some(Place::City(city, code, name));
        }
        if let Some((code, name)) = DEPARTEMENTS
            .iter()
            .copied()
            .find(|(_, n)| fold(n) == folded)
        {
            return Some(Place::Departement(code, name));
        }
        Some(Place::Other(typed.trim().chars().take(100).collect()))
    }

    /// Whether an alert filed under `region` (and `city`) is of this place.
    pub fn matches(&self, region: &str, city: Option<&str>) -> bool {
        let region = fold(region);
        let city = city.map(fold).unwrap_or_default();
        let in_departement = |code: &str, name: &str| {
            let code = code.to_lowercase();
            region == code
                || region == fold(name)
                || region.split(' ').next() == Some(code.as_str())
                || CITIES
                    .iter()
                    .any(|(c, d)| d.to_lowercase() == code && fold(c) == city)
        };
        match self {
            Place::Departement(code, name) => in_departement(code, name),
            Place::City(name, code, dept) => fold(name) == city || in_departement(code, dept),
            Place::Other(typed) => {
                let typed = fold(typed);
                !typed.is_empty() && (region.contains(&typed) || city.contains(&typed))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_place_is_found_by_number_name_or_city() {
        let marseille_13 = [
            ("13", None),
            ("Bouches-du-Rhône", None),
            ("x", Some("marseille")),
        ];
        for typed in [
            "13",
            "Bouches-du-Rhône",
            "bouches du rhone",
            "Marseille",
            "MARSEILLE ",
        ] {
            let place = Place::parse(typed).unwrap();
            for (region, city) in marseille_13 {
                assert!(
                    place.matches(region, city),
                    "{typed} finds {region} {city:?}"
                );
            }
            assert!(!place.matches("75", Some("Paris")), "{typed} is not Paris");
        }
        assert_eq!(
            Place::parse("6"),
            Some(Place::Departement("06", "Alpes-Maritimes"))
        );
        assert_eq!(
            Place::parse("2a"),
            Some(Place::Departement("2A", "Corse-du-Sud"))
        );
        let paris = Place::parse("paris").unwrap();
        assert!(paris.matches("75", None) && paris.matches("Paris", None));
        let village = Place::parse("Sainte-Foy").unwrap();
        assert!(village.matches("69", Some("Sainte-Foy-lès-Lyon")));
        assert!(!village.matches("69", Some("Lyon")));
        assert_eq!(Place::parse("  "), None);
        assert_eq!(DEPARTEMENTS.len(), 101);
        for (_, code) in CITIES {
            assert!(departement(code).is_some(), "{code}");
        }
    }
}
